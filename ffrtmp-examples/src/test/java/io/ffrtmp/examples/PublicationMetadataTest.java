package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * What a public Maven repository requires of a library, checked on every build: a license file,
 * the parent POM's {@code url}, {@code licenses}, {@code scm} and {@code developers}, a {@code
 * description} per module, and sources and javadoc jars attached to each library module (built
 * by {@code mvn package}, before this module's tests run in the reactor).
 */
class PublicationMetadataTest {
  private static final Path ROOT = Shell.ROOT;

  private static Element pom(Path file) throws Exception {
    var f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    Document d = f.newDocumentBuilder().parse(file.toFile());
    return d.getDocumentElement();
  }

  private static String child(Element e, String name) {
    var nodes = e.getElementsByTagName(name);
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getParentNode() == e) {
        return nodes.item(i).getTextContent().trim();
      }
    }
    return "";
  }

  @Test
  void parentPom_namesUrlLicenseScmAndDevelopers_andTheLicenseFileExists() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    assertFalse(child(parent, "url").isEmpty(), "url");
    Element licenses = (Element) parent.getElementsByTagName("licenses").item(0);
    assertEquals("Apache-2.0", child((Element) licenses.getElementsByTagName("license").item(0),
        "name"));
    assertFalse(child((Element) parent.getElementsByTagName("scm").item(0), "url").isEmpty());
    assertTrue(parent.getElementsByTagName("developer").getLength() > 0, "developers");
    String license = Files.readString(ROOT.resolve("LICENSE"));
    assertTrue(license.contains("Apache License") && license.contains("Version 2.0"), "LICENSE");
  }

  /** The parent POM's modules: every one is checked, a new one too. */
  private static List<String> modules() throws Exception {
    var nodes = pom(ROOT.resolve("pom.xml")).getElementsByTagName("module");
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent().trim());
    }
    return out;
  }

  /** The library modules: all but the examples (the CLI's launcher) and the BOM. */
  private static List<String> libraries(List<String> modules) {
    return modules.stream().filter(m -> !m.equals("ffrtmp-examples") && !m.equals("ffrtmp-bom"))
        .toList();
  }

  /**
   * The BOM has no parent (importing it manages only ffrtmp's artifacts), the parent's version,
   * the publication metadata, and exactly the library modules at that version.
   */
  @Test
  void theBom_managesEveryLibraryAtTheParentsVersion_andNothingElse() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    Element bom = pom(ROOT.resolve("ffrtmp-bom").resolve("pom.xml"));
    assertEquals(0, bom.getElementsByTagName("parent").getLength(), "the BOM has no parent");
    assertEquals(child(parent, "version"), child(bom, "version"));
    assertEquals(child(parent, "groupId"), child(bom, "groupId"));
    assertEquals("pom", child(bom, "packaging"));
    for (String tag : List.of("url", "description")) {
      assertFalse(child(bom, tag).isEmpty(), tag);
    }
    assertEquals(1, bom.getElementsByTagName("licenses").getLength(), "licenses");
    assertEquals(1, bom.getElementsByTagName("scm").getLength(), "scm");
    var deps = bom.getElementsByTagName("dependency");
    List<String> managed = new java.util.ArrayList<>();
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      assertEquals("io.ffrtmp", child(d, "groupId"));
      assertEquals("${project.version}", child(d, "version"));
      managed.add(child(d, "artifactId"));
    }
    assertEquals(libraries(modules()), managed);
  }

  /**
   * No module hands a logging binding to the projects that depend on it: an SLF4J binding is
   * test-scoped or optional (the CLI's launcher copies its own into target/lib: CliLauncherIT).
   */
  @Test
  void noModule_passesALoggingBindingOnToItsUsers() throws Exception {
    for (String module : modules()) {
      var deps = pom(ROOT.resolve(module).resolve("pom.xml")).getElementsByTagName("dependency");
      for (int i = 0; i < deps.getLength(); i++) {
        Element d = (Element) deps.item(i);
        String artifact = child(d, "artifactId");
        if (child(d, "groupId").equals("org.slf4j") && !artifact.equals("slf4j-api")
            && !artifact.equals("slf4j-bom")) {
          assertTrue(child(d, "scope").equals("test") || child(d, "optional").equals("true"),
              module + " passes " + artifact + " on to its users");
        }
      }
    }
  }

  @Test
  void everyModule_hasADescription_andEveryLibraryItsSourcesAndJavadocJars() throws Exception {
    List<String> modules = modules();
    assertTrue(modules.containsAll(List.of("ffrtmp-core", "ffrtmp-cgroups", "ffrtmp-junit",
        "ffrtmp-examples", "ffrtmp-bom")), modules.toString());
    for (String module : modules) {
      assertFalse(child(pom(ROOT.resolve(module).resolve("pom.xml")), "description").isEmpty(),
          module + " has no description");
    }
    for (String module : libraries(modules)) {
      Path target = ROOT.resolve(module).resolve("target");
      for (String classifier : List.of("sources", "javadoc")) {
        try (Stream<Path> s = Files.list(target)) {
          assertTrue(s.anyMatch(p -> p.getFileName().toString()
                  .matches(module + "-.*-" + classifier + "\\.jar")),
              module + " lacks its " + classifier + " jar in " + target
                  + " (maven-source-plugin / maven-javadoc-plugin in its POM)");
        }
      }
    }
  }
}
