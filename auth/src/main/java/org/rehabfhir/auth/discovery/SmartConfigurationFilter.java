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

	private final String path;
	private final byte[] body;

	public SmartConfigurationFilter(String fhirBasePath, SmartConfiguration configuration, ObjectMapper mapper)
			throws IOException {
		String base = fhirBasePath.endsWith("/") ? fhirBasePath.substring(0, fhirBasePath.length() - 1) : fhirBasePath;
		this.path = base + "/.well-known/smart-configuration";
		this.body = mapper.writeValueAsBytes(configuration.asMap());
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String uri = request.getRequestURI().substring(request.getContextPath().length());
		if (!"GET".equals(request.getMethod()) || !path.equals(uri)) {
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
