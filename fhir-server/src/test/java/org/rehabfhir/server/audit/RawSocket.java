package org.rehabfhir.server.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket from a chosen loopback address (127.0.0.x), for requests no HTTP client sends
 * (over-long request lines and headers) and for a source address of the test's own.
 */
final class RawSocket {

    private RawSocket() {}

    /** Sends {@code head} (request line and headers, without the blank line) and answers the status code. */
    static int send(String fromAddress, int port, String head) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(fromAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ")) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        } catch (IOException e) {
            throw new IllegalStateException("raw request from " + fromAddress + " failed: " + e, e);
        }
    }
}
