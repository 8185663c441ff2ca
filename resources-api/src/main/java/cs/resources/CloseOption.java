package cs.resources;

/** Options for {@link MultiOpen#close(CloseOption...)}. */
public enum CloseOption {
    /**
     * The caller expects this close to be the final one. If other opens remain, the count is still
     * decremented, and then an {@link IllegalStateException} says how many remain.
     */
    ENFORCE_FINAL_CLOSE,
    /**
     * Closing something that was never opened is not an error: the close does nothing. Meant for
     * callbacks that may fire even when the matching open never happened.
     */
    UNOPENED_OK
}
