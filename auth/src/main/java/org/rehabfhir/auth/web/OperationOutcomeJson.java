package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes a minimal FHIR OperationOutcome (JSON) for errors raised outside HAPI (401, 403, 413 at the filter level). */
public final class OperationOutcomeJson {

	public static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";

	private OperationOutcomeJson() {}

	/** @param code a FHIR issue-type code, e.g. {@code login}, {@code forbidden}, {@code too-costly} */
	public static String of(String code, String diagnostics) {
		return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + escape(code)
				+ "\",\"diagnostics\":\"" + escape(diagnostics) + "\"}]}";
	}

	public static void write(HttpServletResponse response, int status, String code, String diagnostics)
			throws IOException {
		if (response.isCommitted()) {
			return;
		}
		response.setStatus(status);
		response.setContentType(FHIR_JSON);
		byte[] body = of(code, diagnostics).getBytes(StandardCharsets.UTF_8);
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
		response.flushBuffer();
	}

	static String escape(String s) {
		if (s == null) {
			return "";
		}
		StringBuilder out = new StringBuilder(s.length() + 8);
		for (char c : s.toCharArray()) {
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					} else {
						out.append(c);
					}
				}
			}
		}
		return out.toString();
	}
}
