package com.pulso.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contract, one home: {@code api/openapi.json} (OpenAPI 3.1) served at {@code /openapi.json},
 * rendered at {@code /docs} by Swagger UI, whose files come from its webjar (no front-end build).
 */
final class ApiDocs {

  static final String OPENAPI = "api/openapi.json";
  private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/";
  private static final Pattern INLINE_SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);

  private ApiDocs() {}

  static void mount(Router router) {
    Buffer openApi = resource(OPENAPI);
    Buffer page = resource("api/docs.html");
    router.get("/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openApi));
    String policy = contentSecurityPolicy(page.toString());
    router.route("/docs*").handler(ctx -> {
      ctx.response().putHeader("content-security-policy", policy).putHeader("x-content-type-options", "nosniff");
      ctx.next();
    });
    router.get("/docs").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(page));
    router.get("/docs/swagger-ui/*").handler(StaticHandler.create(SWAGGER_UI + swaggerUiVersion()));
  }

  /**
   * The page's policy: its scripts from this server only, the one inline script by its hash, never
   * framed (a page where one types a key for "Try it out" must not sit under another site's frame).
   * Swagger UI styles elements inline and draws icons as data: images.
   */
  static String contentSecurityPolicy(String page) {
    Matcher inline = INLINE_SCRIPT.matcher(page);
    if (!inline.find()) {
      throw new IllegalStateException("api/docs.html has no inline script to allow");
    }
    String hash;
    try {
      hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(inline.group(1).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    return "default-src 'self'; script-src 'self' 'sha256-" + hash + "'; style-src 'self' 'unsafe-inline';"
        + " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
        + " frame-ancestors 'none'";
  }

  static Buffer resource(String name) {
    try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The webjar's own version (its files live under it), so the build's dependency version is the only one. */
  private static String swaggerUiVersion() {
    Properties pom = new Properties();
    try (InputStream in = ApiDocs.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is missing from the class path");
      }
      pom.load(in);
      return pom.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
