package org.rehabfhir.protocols.record;

/** Numbers in clinician-facing text. */
public final class Numbers {

    private Numbers() {}

    /** A whole number without decimals ({@code 10}), any other as Java prints it ({@code 1.5}). */
    public static String format(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
