package cs.resources.impl.jmx;

import java.util.List;

/** The MultiOpen services and their open counts, as MBean {@value JmxComponent#MULTI_OPENS}. */
public interface MultiOpensMXBean {

    /** @return the MultiOpen services, by service id */
    List<MultiOpenData> getMultiOpens();
}
