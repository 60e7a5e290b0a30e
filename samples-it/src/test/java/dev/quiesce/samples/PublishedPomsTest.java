package dev.quiesce.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * The POMs of every published module (the reactor's modules but those that set
 * {@code quiesce.skipPublishing}: example-app, bench, samples-it) carry what a public repository requires, themselves or through
 * their parents (quiesce-parent, quiesce-bom): name, description, url, licence, SCM, developers;
 * and the BOM manages every published jar module, so a module added to the reactor and not to the
 * BOM fails here.
 */
class PublishedPomsTest {

  private final Path root = Path.of(System.getProperty("quiesce.root"));

  @Test
  void everyPublishedModuleHasTheMetadataAPublicRepositoryRequires() throws Exception {
    List<String> published = publishedModules();
    assertThat(published).contains(".", "quiesce-bom", "framework-core", "framework-web", "process-manager")
        .doesNotContain("example-app", "bench", "samples-it");
    for (String module : published) {
      Document pom = read(root.resolve(module).resolve("pom.xml"));
      assertThat(text(pom, "/project/name")).as("%s: name", module).isNotBlank();
      assertThat(text(pom, "/project/description")).as("%s: its own description", module).isNotBlank();
      for (String required : List.of("url", "licenses/license/name", "licenses/license/url", "scm/connection",
          "scm/url", "developers/developer/name")) {
        assertThat(inherited(module, required)).as("%s: %s, its own or a parent's", module, required).isPresent();
      }
    }
  }

  @Test
  void theBomManagesEveryPublishedJarModuleAtTheBuildsVersion() throws Exception {
    Document bom = read(root.resolve("quiesce-bom/pom.xml"));
    List<String> managed = new ArrayList<>();
    NodeList artifacts = (NodeList) XPathFactory.newInstance().newXPath().evaluate(
        "/project/dependencyManagement/dependencies/dependency[groupId='dev.quiesce'"
            + " and version='${project.version}' and not(type) and not(classifier)]/artifactId",
        bom, XPathConstants.NODESET);
    for (int i = 0; i < artifacts.getLength(); i++) {
      managed.add(artifacts.item(i).getTextContent().trim());
    }
    List<String> jars = new ArrayList<>();
    for (String module : publishedModules()) {
      Document pom = read(root.resolve(module).resolve("pom.xml"));
      if (text(pom, "/project/packaging").isEmpty() || text(pom, "/project/packaging").equals("jar")) {
        jars.add(text(pom, "/project/artifactId"));
      }
    }
    assertThat(jars).isNotEmpty();
    assertThat(managed).as("the BOM's managed artifacts").containsExactlyInAnyOrderElementsOf(jars);
  }

  /** The root ({@code .}) and its modules, less those not published ({@code quiesce.skipPublishing} true). */
  private List<String> publishedModules() throws Exception {
    List<String> published = new ArrayList<>(List.of("."));
    NodeList modules = (NodeList) XPathFactory.newInstance().newXPath().evaluate("/project/modules/module",
        read(root.resolve("pom.xml")), XPathConstants.NODESET);
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      if (!"true".equals(text(read(root.resolve(module).resolve("pom.xml")), "/project/properties/quiesce.skipPublishing"))) {
        published.add(module);
      }
    }
    return published;
  }

  /** {@code path} in the module's POM or the first parent POM (by relativePath) that has it. */
  private Optional<String> inherited(String module, String path) throws Exception {
    Path pom = root.resolve(module).resolve("pom.xml").normalize();
    while (Files.isRegularFile(pom)) {
      Document document = read(pom);
      String value = text(document, "/project/" + path);
      if (!value.isBlank()) {
        return Optional.of(value);
      }
      if (text(document, "/project/parent/artifactId").isEmpty()) {
        return Optional.empty();
      }
      String relative = text(document, "/project/parent/relativePath");
      Path parent = pom.getParent().resolve(relative.isEmpty() ? "../pom.xml" : relative).normalize();
      pom = Files.isDirectory(parent) ? parent.resolve("pom.xml") : parent;
    }
    return Optional.empty();
  }

  private static Document read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  private static String text(Document document, String xpath) throws Exception {
    return XPathFactory.newInstance().newXPath().evaluate(xpath, document).trim();
  }
}
