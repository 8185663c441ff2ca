package cs.resources.internal;

import cs.resources.CloseOption;
import java.util.Objects;

/**
 * Not API: the parsing of {@link CloseOption} arrays, shared by {@code AbstractMultiOpen} and the
 * per-bundle views of {@code cs.resources.osgi}, so that both reject the same bad input with the
 * same messages. The options become bits of an {@code int}: nothing is allocated.
 */
public final class CloseOptions {
    /** The bit of {@link CloseOption#ENFORCE_FINAL_CLOSE}. */
    public static final int ENFORCE_FINAL_CLOSE = 1;
    /** The bit of {@link CloseOption#UNOPENED_OK}. */
    public static final int UNOPENED_OK = 2;

    private CloseOptions() {
    }

    /**
     * @param options the options of a {@code close(CloseOption...)} call
     * @return their bits ({@link #ENFORCE_FINAL_CLOSE}, {@link #UNOPENED_OK}); 0 for none
     * @throws NullPointerException {@code "options"} if the array is null, {@code "options
     *     contains null"} if an element is
     */
    public static int parse(CloseOption... options) {
        Objects.requireNonNull(options, "options");
        int bits = 0;
        for (CloseOption option : options) {
            switch (Objects.requireNonNull(option, "options contains null")) {
                case ENFORCE_FINAL_CLOSE -> bits |= ENFORCE_FINAL_CLOSE;
                case UNOPENED_OK -> bits |= UNOPENED_OK;
            }
        }
        return bits;
    }

    /**
     * @param bits what {@link #parse} returned
     * @return whether {@code bits} has {@link #ENFORCE_FINAL_CLOSE}
     */
    public static boolean enforceFinal(int bits) {
        return (bits & ENFORCE_FINAL_CLOSE) != 0;
    }

    /**
     * @param bits what {@link #parse} returned
     * @return whether {@code bits} has {@link #UNOPENED_OK}
     */
    public static boolean unopenedOk(int bits) {
        return (bits & UNOPENED_OK) != 0;
    }
}
