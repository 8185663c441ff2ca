package cs.resources;

import java.util.Objects;

/** The implementation behind {@link MultiOpen#of(Openable)}. */
final class OpenableMultiOpen extends AbstractMultiOpen {
    private final Openable openable;

    OpenableMultiOpen(Openable openable) {
        this.openable = Objects.requireNonNull(openable, "openable");
    }

    @Override
    protected void startup() throws Exception {
        openable.open();
    }

    @Override
    protected void shutdown() throws Exception {
        openable.close();
    }

    @Override
    public String toString() {
        return "MultiOpen.of(" + openable + ")";
    }
}
