package org.rehabfhir.app.web;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.oidcLogin;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.model;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.view;

import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.List;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.rehabfhir.app.AppProperties;
import org.rehabfhir.app.audit.AuditController;
import org.rehabfhir.app.audit.AuditService;
import org.rehabfhir.app.caseload.Caseload;
import org.rehabfhir.app.caseload.CaseloadController;
import org.rehabfhir.app.caseload.CaseloadRow;
import org.rehabfhir.app.caseload.CaseloadService;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.patient.PatientController;
import org.rehabfhir.app.patient.PatientService;
import org.rehabfhir.app.security.SecurityConfig;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.OidcLoginRequestPostProcessor;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/** Who reaches which screen, what 401/403 from the API do, CSRF and PKCE: the controllers with the real security config. */
@WebMvcTest(
        controllers = {HomeController.class, CaseloadController.class, PatientController.class, AuditController.class})
@Import({SecurityConfig.class, FhirErrorAdvice.class, CurrentUserAdvice.class})
@EnableConfigurationProperties(AppProperties.class)
@TestPropertySource(
        properties = {
            "rehab.app.fhir-base-url=http://fhir.test/fhir",
            "spring.security.oauth2.client.registration.keycloak.client-id=rehab-clinician-bff",
            "spring.security.oauth2.client.registration.keycloak.provider=testkc",
            "spring.security.oauth2.client.registration.keycloak.client-secret=test-only",
            "spring.security.oauth2.client.registration.keycloak.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.keycloak.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.keycloak.scope=openid,user/Patient.rs",
            "spring.security.oauth2.client.provider.testkc.authorization-uri=http://kc.test/auth",
            "spring.security.oauth2.client.provider.testkc.token-uri=http://kc.test/token",
            "spring.security.oauth2.client.provider.testkc.jwk-set-uri=http://kc.test/certs",
            "spring.security.oauth2.client.provider.testkc.user-name-attribute=preferred_username"
        })
class RoleAccessTest {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    FhirApi api;

    @MockitoBean
    CaseloadService caseload;

    @MockitoBean
    PatientService patients;

    @MockitoBean
    AuditService audit;

    static OidcLoginRequestPostProcessor physio() {
        return oidcLogin()
                .authorities(new SimpleGrantedAuthority("ROLE_PHYSIOTHERAPIST"))
                .idToken(t -> t.claim("preferred_username", "alice").claim("fhirUser", "Practitioner/alice"));
    }

    static OidcLoginRequestPostProcessor auditor() {
        return oidcLogin()
                .authorities(new SimpleGrantedAuthority("ROLE_AUDITOR"))
                .idToken(t -> t.claim("preferred_username", "audrey"));
    }

    @Test
    void anonymousUsersAreSentToKeycloakWithPkceS256() throws Exception {
        mvc.perform(get("/caseload"))
                .andExpect(status().is3xxRedirection())
                .andExpect(redirectedUrl("http://localhost/oauth2/authorization/keycloak"));
        mvc.perform(get("/oauth2/authorization/keycloak"))
                .andExpect(status().is3xxRedirection())
                .andExpect(header().string("Location", Matchers.startsWith("http://kc.test/auth?")))
                .andExpect(header().string("Location", Matchers.containsString("code_challenge_method=S256")))
                .andExpect(header().string("Location", Matchers.containsString("code_challenge=")));
    }

    @Test
    void eachRoleLandsOnItsOwnStartScreen() throws Exception {
        mvc.perform(get("/").with(physio())).andExpect(redirectedUrl("/caseload"));
        mvc.perform(get("/").with(auditor())).andExpect(redirectedUrl("/audit"));
    }

    @Test
    void aPhysiotherapistNeverReachesTheAuditorScreensAndViceVersa() throws Exception {
        mvc.perform(get("/audit").with(physio())).andExpect(status().isForbidden());
        mvc.perform(get("/audit/chain").with(physio())).andExpect(status().isForbidden());
        mvc.perform(get("/caseload").with(auditor())).andExpect(status().isForbidden());
        mvc.perform(get("/patients/demo-knee-oa").with(auditor())).andExpect(status().isForbidden());
    }

    @Test
    void caseloadShowsTheRowsForThePhysiotherapistsPractitioner() throws Exception {
        when(caseload.load(any(), eq("Practitioner/alice")))
                .thenReturn(new Caseload(
                        List.of(new CaseloadRow(
                                "p1",
                                "Grace Okafor",
                                "",
                                "Care team",
                                null,
                                "active",
                                "1 Dec 2026",
                                List.of(new CaseloadRow.Flag("Progress due", "info")))),
                        List.of()));
        mvc.perform(get("/caseload").with(physio()))
                .andExpect(status().isOk())
                .andExpect(view().name("caseload"))
                .andExpect(content().string(Matchers.containsString("Grace Okafor")))
                .andExpect(content().string(Matchers.containsString("Progress due")));
    }

    @Test
    void aRefusalOfTheApiIsTheNoAccessPageAnd401IsSignInAgain() throws Exception {
        when(patients.load(any(), eq("other"))).thenThrow(new ForbiddenOperationException("no"));
        mvc.perform(get("/patients/other").with(physio()))
                .andExpect(status().isForbidden())
                .andExpect(view().name("no-access"));
        when(patients.load(any(), eq("expired"))).thenThrow(new AuthenticationException("token expired"));
        mvc.perform(get("/patients/expired").with(physio())).andExpect(redirectedUrl("/oauth2/authorization/keycloak"));
        // not a FHIR id: never sent to the server
        mvc.perform(get("/patients/a_b").with(physio())).andExpect(status().isNotFound());
    }

    @Test
    void postsNeedTheCsrfToken() throws Exception {
        mvc.perform(post("/logout").with(physio())).andExpect(status().isForbidden());
        mvc.perform(post("/logout").with(physio()).with(csrf())).andExpect(status().is3xxRedirection());
    }

    @Test
    void auditFormWithoutPatientShowsNoLog() throws Exception {
        mvc.perform(get("/audit").with(auditor()))
                .andExpect(status().isOk())
                .andExpect(model().attributeDoesNotExist("log"));
    }
}
