package org.rehabfhir.auth.smart;

import java.util.EnumSet;
import java.util.Set;

/** The SMART App Launch 2 interactions, in the order their letters must appear in a scope: {@code c r u d s}. */
public enum Permission {
    CREATE('c'),
    READ('r'),
    UPDATE('u'),
    DELETE('d'),
    SEARCH('s');

    private final char letter;

    Permission(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    /** The permissions of a letter string such as {@code "crus"}, as SMART writes them. */
    public static Set<Permission> ofLetters(String letters) {
        EnumSet<Permission> set = EnumSet.noneOf(Permission.class);
        for (char c : letters.toCharArray()) {
            for (Permission p : values()) {
                if (p.letter == c) {
                    set.add(p);
                }
            }
        }
        return set;
    }

    /** The SMART letter string of a set, e.g. {@code "crus"}. */
    public static String letters(Set<Permission> permissions) {
        StringBuilder out = new StringBuilder();
        for (Permission p : values()) {
            if (permissions.contains(p)) {
                out.append(p.letter);
            }
        }
        return out.toString();
    }
}
