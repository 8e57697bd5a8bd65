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

  @Test
  void everyModule_hasADescription_andEveryLibraryItsSourcesAndJavadocJars() throws Exception {
    List<String> modules = modules();
    assertTrue(modules.containsAll(List.of("ffrtmp-core", "ffrtmp-cgroups", "ffrtmp-junit",
        "ffrtmp-examples")), modules.toString());
    for (String module : modules) {
      assertFalse(child(pom(ROOT.resolve(module).resolve("pom.xml")), "description").isEmpty(),
          module + " has no description");
    }
    // every module but the examples (the CLI's launcher) is a library
    for (String module : modules.stream().filter(m -> !m.equals("ffrtmp-examples")).toList()) {
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
