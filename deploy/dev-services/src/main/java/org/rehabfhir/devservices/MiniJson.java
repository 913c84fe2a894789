package org.rehabfhir.devservices;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Development and test only: a small JSON reader (objects become {@link Map}, arrays {@link List}, numbers
 * {@link Long} or {@link Double}) so that dev-services needs no JSON library to read token responses and claims.
 */
public final class MiniJson {

	private final String text;
	private int pos;

	private MiniJson(String text) {
		this.text = text;
	}

	public static Object parse(String json) {
		MiniJson reader = new MiniJson(json);
		reader.skipWhitespace();
		Object value = reader.readValue();
		reader.skipWhitespace();
		if (reader.pos != json.length()) {
			throw reader.error("trailing characters");
		}
		return value;
	}

	@SuppressWarnings("unchecked")
	public static Map<String, Object> parseObject(String json) {
		Object value = parse(json);
		if (!(value instanceof Map)) {
			throw new IllegalArgumentException("Not a JSON object: " + abbreviate(json));
		}
		return (Map<String, Object>) value;
	}

	private Object readValue() {
		if (pos >= text.length()) {
			throw error("unexpected end");
		}
		char c = text.charAt(pos);
		switch (c) {
			case '{':
				return readObject();
			case '[':
				return readArray();
			case '"':
				return readString();
			case 't':
				expect("true");
				return Boolean.TRUE;
			case 'f':
				expect("false");
				return Boolean.FALSE;
			case 'n':
				expect("null");
				return null;
			default:
				return readNumber();
		}
	}

	private Map<String, Object> readObject() {
		Map<String, Object> map = new LinkedHashMap<>();
		pos++;
		skipWhitespace();
		if (peek() == '}') {
			pos++;
			return map;
		}
		while (true) {
			skipWhitespace();
			String key = readString();
			skipWhitespace();
			consume(':');
			skipWhitespace();
			map.put(key, readValue());
			skipWhitespace();
			char c = next();
			if (c == '}') {
				return map;
			}
			if (c != ',') {
				throw error("expected , or }");
			}
		}
	}

	private List<Object> readArray() {
		List<Object> list = new ArrayList<>();
		pos++;
		skipWhitespace();
		if (peek() == ']') {
			pos++;
			return list;
		}
		while (true) {
			skipWhitespace();
			list.add(readValue());
			skipWhitespace();
			char c = next();
			if (c == ']') {
				return list;
			}
			if (c != ',') {
				throw error("expected , or ]");
			}
		}
	}

	private String readString() {
		consume('"');
		StringBuilder out = new StringBuilder();
		while (true) {
			char c = next();
			if (c == '"') {
				return out.toString();
			}
			if (c != '\\') {
				out.append(c);
				continue;
			}
			char escaped = next();
			switch (escaped) {
				case 'b' -> out.append('\b');
				case 'f' -> out.append('\f');
				case 'n' -> out.append('\n');
				case 'r' -> out.append('\r');
				case 't' -> out.append('\t');
				case 'u' -> {
					if (pos + 4 > text.length()) {
						throw error("bad unicode escape");
					}
					out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
					pos += 4;
				}
				default -> out.append(escaped);
			}
		}
	}

	private Number readNumber() {
		int start = pos;
		while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
			pos++;
		}
		String number = text.substring(start, pos);
		if (number.isEmpty()) {
			throw error("unexpected character");
		}
		if (number.contains(".") || number.contains("e") || number.contains("E")) {
			return Double.parseDouble(number);
		}
		return Long.parseLong(number);
	}

	private void expect(String word) {
		if (!text.startsWith(word, pos)) {
			throw error("expected " + word);
		}
		pos += word.length();
	}

	private void consume(char expected) {
		if (next() != expected) {
			throw error("expected " + expected);
		}
	}

	private char next() {
		if (pos >= text.length()) {
			throw error("unexpected end");
		}
		return text.charAt(pos++);
	}

	private char peek() {
		return pos < text.length() ? text.charAt(pos) : '\0';
	}

	private void skipWhitespace() {
		while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
			pos++;
		}
	}

	private IllegalArgumentException error(String message) {
		return new IllegalArgumentException("Invalid JSON at " + pos + ": " + message + " in " + abbreviate(text));
	}

	private static String abbreviate(String s) {
		return s.length() <= 200 ? s : s.substring(0, 200) + "...";
	}
}
