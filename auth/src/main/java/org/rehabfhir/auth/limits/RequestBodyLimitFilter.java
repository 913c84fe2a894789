package org.rehabfhir.auth.limits;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.web.OperationOutcomeJson;
import org.rehabfhir.auth.web.SecurityRejections;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies larger than the caller's limit with 413 and an OperationOutcome, before anything parses them:
 * by {@code Content-Length} when it is sent, else (chunked) by reading at most limit + 1 bytes into memory.
 *
 * <p>The limit depends on the caller class ({@link Limits#forCaller}): EHR systems (role {@code ehr-system}, whose
 * token this filter sees already checked: it runs after the bearer token filter) send whole patient records
 * ({@code rehab.security.limits.ehr-system.max-request-body}, 64 MB by default); persons and anonymous callers keep
 * {@code rehab.security.limits.max-request-body} (5 MB).
 *
 * <p>Compressed bodies: {@code Content-Encoding: gzip} is inflated here, as a stream, counting bytes, and refused
 * with 413 as soon as the <em>inflated</em> size passes the same limit (a 5 MB gzip can inflate to gigabytes).
 * The request passed on carries the inflated body and no {@code Content-Encoding}, so nothing after this filter
 * (HAPI, whose own uncompressing is switched off) inflates anything. Any other encoding ({@code deflate},
 * {@code br}, stacked encodings): 415. A body that is not valid gzip: 400.
 */
public class RequestBodyLimitFilter extends OncePerRequestFilter {

    static final String CONTENT_ENCODING = "Content-Encoding";

    private final Limits limits;
    private final SecurityRejections rejections;

    public RequestBodyLimitFilter(Limits limits, SecurityRejections rejections) {
        this.limits = limits;
        this.rejections = rejections;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean system =
                RehabSecurityContext.current().map(CallerContext::isSystem).orElse(false);
        long maxBytes = limits.forCaller(system).getMaxRequestBody().toBytes();
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            reject(request, response, tooLarge("", maxBytes, system));
            return;
        }
        String encoding = contentEncoding(request);
        if (encoding != null) {
            inflateBounded(request, response, chain, encoding, maxBytes, system);
            return;
        }
        if (declared >= 0 || !hasBody(request)) {
            chain.doFilter(request, response);
            return;
        }
        // No Content-Length (chunked): buffer up to the limit.
        byte[] body = readAtMost(request.getInputStream(), maxBytes);
        if (body.length > maxBytes) {
            reject(request, response, tooLarge("", maxBytes, system));
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    /** What the client reads: the limit, whose limit it is, and what to do instead. */
    static String tooLarge(String what, long maxBytes, boolean system) {
        return "The " + what + "request body is larger than the limit of " + maxBytes + " bytes"
                + (system ? " for EHR systems (rehab.security.limits.ehr-system.max-request-body)" : "")
                + ": " + RequestLimitsInterceptor.SPLIT_ADVICE;
    }

    private void inflateBounded(
            HttpServletRequest request,
            HttpServletResponse response,
            FilterChain chain,
            String encoding,
            long maxBytes,
            boolean system)
            throws ServletException, IOException {
        if (!"gzip".equals(encoding) && !"x-gzip".equals(encoding)) {
            rejections.notify(request, 415, "unsupported_content_encoding");
            OperationOutcomeJson.write(
                    response,
                    415,
                    "not-supported",
                    "Content-Encoding '" + printable(encoding)
                            + "' is not supported: send the body uncompressed or gzip");
            return;
        }
        byte[] compressed = readAtMost(request.getInputStream(), maxBytes);
        if (compressed.length > maxBytes) {
            reject(request, response, tooLarge("", maxBytes, system));
            return;
        }
        byte[] inflated;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            inflated = readAtMost(in, maxBytes);
        } catch (ZipException | java.io.EOFException broken) {
            rejections.notify(request, 400, "invalid_gzip_body");
            OperationOutcomeJson.write(
                    response, 400, "invalid", "The request body is declared as gzip but is not valid gzip data");
            return;
        }
        if (inflated.length > maxBytes) {
            reject(request, response, tooLarge("decompressed ", maxBytes, system));
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, inflated), response);
    }

    /** At most limit + 1 bytes: enough to tell "over the limit" without reading (or inflating) any further. */
    private static byte[] readAtMost(InputStream in, long maxBytes) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    }

    /** The request's content coding, lower case; null for none or {@code identity}. */
    static String contentEncoding(HttpServletRequest request) {
        Enumeration<String> values = request.getHeaders(CONTENT_ENCODING);
        if (values == null) {
            return null;
        }
        List<String> codings = Collections.list(values).stream()
                .flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(v -> v.trim().toLowerCase(Locale.ROOT))
                .filter(v -> !v.isEmpty() && !"identity".equals(v))
                .toList();
        if (codings.isEmpty()) {
            return null;
        }
        return codings.size() == 1 ? codings.get(0) : String.join(", ", codings);
    }

    private static String printable(String value) {
        String clean = value.replaceAll("[^A-Za-z0-9 ,._-]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, String message) throws IOException {
        rejections.notify(request, 413, "request_body_too_large");
        OperationOutcomeJson.write(response, 413, "too-costly", message);
    }

    private static boolean hasBody(HttpServletRequest request) {
        String method = request.getMethod();
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    /** The (inflated) body, with no {@code Content-Encoding} left for anyone to act on. */
    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public String getHeader(String name) {
            return CONTENT_ENCODING.equalsIgnoreCase(name)
                    ? null
                    : "Content-Length".equalsIgnoreCase(name) ? Integer.toString(body.length) : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (CONTENT_ENCODING.equalsIgnoreCase(name)) {
                return Collections.emptyEnumeration();
            }
            if ("Content-Length".equalsIgnoreCase(name)) {
                return Collections.enumeration(List.of(Integer.toString(body.length)));
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames()).stream()
                    .filter(n -> !CONTENT_ENCODING.equalsIgnoreCase(n))
                    .toList();
            return Collections.enumeration(names);
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            InputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    try {
                        return in.available() == 0;
                    } catch (IOException e) {
                        return true;
                    }
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous only");
                }

                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
