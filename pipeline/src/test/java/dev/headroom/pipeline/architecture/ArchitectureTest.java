package dev.headroom.pipeline.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds the layout in place: no cycles between packages, a stage never reaches into another stage
 * (what stages share lives in {@code stages.shared}), the engine knows stages only through the
 * stage API, the runtime core and eval stay free of DJL and JCuda, and only front ends call
 * System.exit. Runs over every module's main classes.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .withImportOption(location -> !location.contains("/test-classes/"))
                        .importPackages("dev.headroom");
        // every module's classes are here, or the rules below would pass on nothing
        for (String c :
                List.of(
                        "dev.headroom.attention.pattern.HeadPattern",
                        "dev.headroom.attention.cpu.LoadedModel",
                        "dev.headroom.attention.gpu.CudaRuntimeProvider",
                        "dev.headroom.eval.harness.CaseRunner",
                        "dev.headroom.stages.profile.ProfileStage",
                        "dev.headroom.stages.search.SearchStage",
                        "dev.headroom.stages.evaluate.EvaluateStage",
                        "dev.headroom.pipeline.runner.HeadroomRun")) {
            assertTrue(classes.contain(c), "not imported: " + c);
        }
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.headroom.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void aStageUsesNoOtherStage() {
        for (String stage : List.of("profile", "search", "evaluate")) {
            noClasses()
                    .that()
                    .resideInAPackage("dev.headroom.stages." + stage + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(otherStages(stage))
                    .because(
                            "stages share only through dev.headroom.stages.shared and the files they write")
                    .check(classes);
        }
    }

    private static String[] otherStages(String stage) {
        return List.of("profile", "search", "evaluate").stream()
                .filter(s -> !s.equals(stage))
                .map(s -> "dev.headroom.stages." + s + "..")
                .toArray(String[]::new);
    }

    @Test
    void theEngineKnowsStagesOnlyThroughTheApi() {
        noClasses()
                .that()
                .resideInAPackage("dev.headroom.pipeline..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.headroom.stages..")
                .because("stages are found through META-INF/services")
                .check(classes);
    }

    @Test
    void theStageApiSitsBelowConfigRegistryAndRunner() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.headroom.pipeline.api..", "dev.headroom.pipeline.report..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.headroom.pipeline.config..",
                        "dev.headroom.pipeline.registry..",
                        "dev.headroom.pipeline.runner..",
                        "dev.headroom.pipeline.cli..")
                .check(classes);
    }

    @Test
    void theRuntimeCoreAndEvalHaveNoDjlAndNoJcuda() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.headroom.attention.model..",
                        "dev.headroom.attention.checkpoint..",
                        "dev.headroom.attention.pattern..",
                        "dev.headroom.attention.cache..",
                        "dev.headroom.attention.policy..",
                        "dev.headroom.attention.plan..",
                        "dev.headroom.attention.runtime..",
                        "dev.headroom.attention.oracle..",
                        "dev.headroom.eval..",
                        "dev.headroom.quantize..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("ai.djl..", "jcuda..")
                .check(classes);
    }

    @Test
    void onlyFrontEndsCallSystemExit() {
        noClasses()
                .that()
                .resideOutsideOfPackages(
                        "dev.headroom.pipeline.cli..", "dev.headroom.attention.gpu.tools..")
                .should()
                .callMethod(System.class, "exit", int.class)
                .check(classes);
    }
}
