package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard's files on the management listener: served from the jar with their types and a
 * content security policy that allows the page's own files only; other methods get 405. The page in
 * a real browser: example-app's {@code DashboardIT}.
 */
class DashboardTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private boolean deployed;

  /** GET/POST {@code path} on a management listener deployed (with a coordinator) on first use. */
  private HttpResponse<Buffer> send(HttpMethod method, String path) {
    if (!deployed) {
      deployed = true;
      fx.deployCoordinator(new JsonObject());
      JsonObject config = WebFixture.config(new JsonObject(), new JsonObject());
      fx.deployManagement(config);
    }
    return Await.result(WebClient.create(fx.vertx).request(method, fx.managementPort(), "127.0.0.1", path).send());
  }

  @Test
  void thePageItsScriptAndItsStyleSheetAreServedWithTheirTypesAndAPolicyOfTheirOwn() {
    HttpResponse<Buffer> page = send(HttpMethod.GET, "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.getHeader("Content-Security-Policy")).startsWith("default-src 'self'");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.bodyAsString()).contains("<script src=\"dashboard.js\"", "id=\"timeline\"", "id=\"token\"")
        .doesNotContain("<script>");

    HttpResponse<Buffer> script = send(HttpMethod.GET, "/dashboard.js");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(script.bodyAsString()).contains("lifecycle/events").doesNotContain("localStorage")
        .doesNotContain("sessionStorage").doesNotContain("document.cookie");

    HttpResponse<Buffer> style = send(HttpMethod.GET, "/dashboard.css");
    assertThat(style.statusCode()).isEqualTo(200);
    assertThat(style.getHeader("Content-Type")).isEqualTo("text/css; charset=utf-8");
  }

  @Test
  void otherMethodsAre405AndOtherFilesAre404() {
    HttpResponse<Buffer> post = send(HttpMethod.POST, "/");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.getHeader("Allow")).isEqualTo("GET");
    assertThat(send(HttpMethod.GET, "/index.html").statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.GET, "/dashboard/../../etc/passwd").statusCode()).isEqualTo(404);
  }
}
