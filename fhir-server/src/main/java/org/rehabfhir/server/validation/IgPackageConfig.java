package org.rehabfhir.server.validation;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.NpmJpaValidationSupport;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.jpa.packages.loader.PackageLoaderSvc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The deployment's FHIR IG packages ({@code rehab.fhir.validation.packages}, e.g. US Core) for validation on write:
 * HAPI's JPA package installer stores each package in the database's package cache at start (install mode
 * {@code STORE_ONLY}: its conformance resources do not become resources of the FHIR store; a package already stored
 * is not stored again), and HAPI's {@link NpmJpaValidationSupport} hands its StructureDefinitions, ValueSets and
 * CodeSystems to the validator. A resource that claims one of those profiles ({@code meta.profile}) is then validated
 * against it, and a violated constraint is an error (422). The packages' dependencies are not fetched: list every
 * package the profiles need. A package that cannot be read or installed stops the start.
 */
@Configuration
public class IgPackageConfig {

    private static final Logger log = LoggerFactory.getLogger(IgPackageConfig.class);

    @Bean
    public ProjectConformanceResources igPackageConformanceResources(
            ValidationPackageProperties properties, IPackageInstallerSvc installer, NpmJpaValidationSupport packages) {
        if (properties.packages().isEmpty()) {
            return fhirContext -> new PrePopulatedValidationSupport(fhirContext);
        }
        PackageLoaderSvc loader = new PackageLoaderSvc();
        for (String location : properties.packages()) {
            install(installer, loader, location);
        }
        return fhirContext -> (IValidationSupport) packages;
    }

    private static void install(IPackageInstallerSvc installer, PackageLoaderSvc loader, String location) {
        String url = packageUrl(location);
        try {
            // HAPI reads classpath: and file: URLs; the spec needs the package's name and version from its package.json
            byte[] contents = loader.loadPackageUrlContents(url);
            NpmPackage npm = NpmPackage.fromPackage(new ByteArrayInputStream(contents));
            PackageInstallationSpec spec = new PackageInstallationSpec()
                    .setName(npm.name())
                    .setVersion(npm.version())
                    .setPackageContents(contents)
                    .setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_ONLY)
                    .setFetchDependencies(false);
            PackageInstallOutcomeJson outcome = installer.install(spec);
            log.info("IG package {}#{} ({}) for validation: {}", npm.name(), npm.version(), url, outcome.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "rehab.fhir.validation.packages: cannot install the IG package " + url + ": " + e.getMessage(), e);
        }
    }

    /** {@code classpath:} and {@code file:} locations as given; a plain path as a {@code file:} URL. */
    static String packageUrl(String location) {
        if (location.startsWith("classpath:") || location.startsWith("file:")) {
            return location;
        }
        return Path.of(location).toAbsolutePath().toUri().toString();
    }
}
