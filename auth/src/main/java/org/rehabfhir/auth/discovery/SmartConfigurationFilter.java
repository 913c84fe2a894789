package org.rehabfhir.auth.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/** Answers {@code GET <fhir-base>/.well-known/smart-configuration} before HAPI's servlet sees it. */
public class SmartConfigurationFilter extends OncePerRequestFilter {

    private final java.util.Set<String> paths;
    private final byte[] body;

    /** @param fhirBasePath normalised ({@code RehabSecurityProperties#getFhirBasePath()}) */
    public SmartConfigurationFilter(String fhirBasePath, SmartConfiguration configuration, ObjectMapper mapper)
            throws IOException {
        // both places, whatever the Accept header says (a SMART client asking with Accept: application/fhir+json
        // would otherwise get 406 from the MVC controller at the root)
        this.paths =
                java.util.Set.of(fhirBasePath + "/.well-known/smart-configuration", "/.well-known/smart-configuration");
        this.body = mapper.writeValueAsBytes(configuration.asMap());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String uri = request.getRequestURI().substring(request.getContextPath().length());
        if (!"GET".equals(request.getMethod()) || !paths.contains(uri)) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(200);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "max-age=300, public");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
