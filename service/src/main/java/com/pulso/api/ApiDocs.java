package com.pulso.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The contract, one home: {@code api/openapi.json} (OpenAPI 3.1) served at {@code /openapi.json},
 * rendered at {@code /docs} by Swagger UI, whose files come from its webjar (no front-end build).
 */
final class ApiDocs {

  static final String OPENAPI = "api/openapi.json";
  private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/";

  private ApiDocs() {}

  static void mount(Router router) {
    Buffer openApi = resource(OPENAPI);
    Buffer page = resource("api/docs.html");
    router.get("/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openApi));
    router.get("/docs").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(page));
    router.get("/docs/swagger-ui/*").handler(StaticHandler.create(SWAGGER_UI + swaggerUiVersion()));
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
