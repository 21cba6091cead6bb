package com.pulso.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection the way HTTP servers must after answering a request they did not read to its
 * end (RFC 9112 §9.6): first the sending half, then the rest once the client has closed its side or
 * after {@link #LINGER}, discarding what it still sends meanwhile.
 *
 * <p>Why: a request refused before it was read (a request line or headers too long, its body still
 * arriving) is answered and its connection closed. Closing a socket whose peer is still sending makes
 * the kernel reset the connection, and a reset makes the client's kernel discard the answer it has not
 * yet read: the client sees the connection drop instead of the problem+json it was sent. Apache httpd
 * and nginx ({@code lingering_close}) close such connections the same way.
 *
 * <p>Installed on one connection, at the socket's end of its pipeline, when Pulso decides to close it
 * (Vert.x offers no public way to half-close, hence its connection's channel).
 */
final class LingeringClose extends ChannelDuplexHandler {

  /** How long a client may go on sending after its answer before the connection is closed anyway. */
  static final Duration LINGER = Duration.ofSeconds(5);

  private boolean closing;

  private LingeringClose() {
  }

  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base && base.channel() instanceof DuplexChannel channel
        && channel.pipeline().get(LingeringClose.class) == null) {
      channel.pipeline().addFirst(new LingeringClose());
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (closing || !ctx.channel().isActive()) {
      ctx.close(promise);
      return;
    }
    closing = true;
    ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
    // Everything written before the close reaches the socket before its sending half is shut.
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
      if (written.isSuccess()) {
        ((DuplexChannel) ctx.channel()).shutdownOutput();
        // The client's own close ends it sooner: Netty closes a channel whose input has ended.
        ctx.executor().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        ctx.close();
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (closing) {
      ReferenceCountUtil.release(message);
    } else {
      ctx.fireChannelRead(message);
    }
  }
}
