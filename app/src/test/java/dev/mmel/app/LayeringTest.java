package dev.mmel.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of ARCHITECTURE.md, enforced on the main classes of every module: dependencies
 * point one way (core <- model, retriever <- pipeline <- app), no package cycle anywhere, and
 * the libraries neither parse command lines nor print.
 */
class LayeringTest {
  private static final String[] LIBRARIES = {"dev.mmel.core..", "dev.mmel.model..",
      "dev.mmel.retriever..", "dev.mmel.pipeline..", "dev.mmel.serving.."};

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    // Only main code: test classes directories and the modules' test jars stay out.
    ImportOption mainOnly = location -> !location.contains("/test-classes/")
        && !location.contains("-tests.jar");
    classes = new ClassFileImporter().withImportOption(mainOnly).importPackages("dev.mmel");
  }

  @Test
  void everyModuleIsImported() {
    Set<String> modules = classes.stream().map(JavaClass::getPackageName)
        .map(name -> name.split("\\.")[2]).collect(Collectors.toSet());
    assertTrue(modules.containsAll(Set.of("core", "model", "retriever", "pipeline", "serving",
        "testkit", "app")), "imported modules: " + modules);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.mmel.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void coreDependsOnNothingOfOursNorOnNativeCode() {
    check(noClasses().that().resideInAPackage("dev.mmel.core..").should()
        .dependOnClassesThat().resideInAnyPackage("dev.mmel.model..", "dev.mmel.retriever..",
            "dev.mmel.pipeline..", "dev.mmel.serving..", "dev.mmel.app..", "dev.mmel.testkit..",
            "org.tensorflow..", "ai.onnxruntime..", "org.apache.flink..", "io.milvus.."));
  }

  @Test
  void theModelKnowsNoIndexJobOrServer() {
    check(noClasses().that().resideInAPackage("dev.mmel.model..").should()
        .dependOnClassesThat().resideInAnyPackage("dev.mmel.retriever..", "dev.mmel.pipeline..",
            "dev.mmel.serving..", "dev.mmel.app..", "dev.mmel.testkit.."));
  }

  @Test
  void theRetrieverNeedsNeitherTheModelNorTensorFlow() {
    check(noClasses().that().resideInAPackage("dev.mmel.retriever..").should()
        .dependOnClassesThat().resideInAnyPackage("dev.mmel.model..", "dev.mmel.pipeline..",
            "dev.mmel.serving..", "dev.mmel.app..", "dev.mmel.testkit..", "org.tensorflow..",
            "ai.onnxruntime.."));
  }

  @Test
  void thePipelineKnowsNoServerNorCommandLine() {
    check(noClasses().that().resideInAPackage("dev.mmel.pipeline..").should()
        .dependOnClassesThat().resideInAnyPackage("dev.mmel.serving..", "dev.mmel.app..",
            "dev.mmel.testkit.."));
  }

  @Test
  void theServingTierKnowsNoJobNorCommandLine() {
    check(noClasses().that().resideInAPackage("dev.mmel.serving..").should()
        .dependOnClassesThat().resideInAnyPackage("dev.mmel.pipeline..", "dev.mmel.app..",
            "dev.mmel.testkit.."));
  }

  @Test
  void librariesDoNotParseCommandLines() {
    check(noClasses().that().resideInAnyPackage(LIBRARIES).should()
        .dependOnClassesThat().resideInAPackage("picocli.."));
  }

  @Test
  void librariesDoNotPrint() {
    check(noClasses().that().resideInAnyPackage(LIBRARIES).should()
        .accessField(System.class, "out").orShould().accessField(System.class, "err"));
  }

  @Test
  void benchmarksStayOutOfTheCommandsPackage() {
    check(noClasses().that().resideInAPackage("dev.mmel.app.cli..").should()
        .dependOnClassesThat().resideInAPackage("dev.mmel.app.bench.."));
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }
}
