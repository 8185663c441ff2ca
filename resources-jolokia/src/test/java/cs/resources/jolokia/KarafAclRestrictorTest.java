package cs.resources.jolokia;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

/**
 * Outside Karaf (the JVM's own MBeanServer, no JMXSecurityMBean in it) every read, write and
 * operation is refused: the restrictor fails closed. What it allows in Karaf, and to whom, the
 * Karaf test checks (karaf/src/test/karaf-test.sh).
 */
class KarafAclRestrictorTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final KarafAclRestrictor restrictor = new KarafAclRestrictor(server);

    @Test
    void withoutKarafsAclNothingIsAllowed() throws Exception {
        ObjectName memory = new ObjectName("java.lang:type=Memory");
        assertThat(server.isRegistered(memory)).isTrue();
        assertThat(server.queryNames(new ObjectName(KarafAclRestrictor.SECURITY_MBEANS), null)).isEmpty();
        assertThat(restrictor.isAttributeReadAllowed(memory, "HeapMemoryUsage")).isFalse();
        assertThat(restrictor.isAttributeReadAllowed(memory, "Verbose")).isFalse();
        assertThat(restrictor.isAttributeWriteAllowed(memory, "Verbose")).isFalse();
        assertThat(restrictor.isOperationAllowed(memory, "gc")).isFalse();
        assertThat(restrictor.isOperationAllowed(memory, "gc()")).isFalse();
    }

    @Test
    void whatIsNotThereIsRefused() throws Exception {
        ObjectName memory = new ObjectName("java.lang:type=Memory");
        assertThat(restrictor.isAttributeReadAllowed(new ObjectName("no.such:type=MBean"), "X")).isFalse();
        assertThat(restrictor.isAttributeReadAllowed(memory, "NoSuchAttribute")).isFalse();
        assertThat(restrictor.isAttributeReadAllowed(new ObjectName("java.lang:*"), "Verbose")).isFalse();
        assertThat(restrictor.isOperationAllowed(memory, "gc(")).isFalse();
        assertThat(restrictor.isAttributeWriteAllowed(memory, "HeapMemoryUsage")).as("read-only").isFalse();
    }

    @Test
    void theRestIsJolokiasBusiness() {
        assertThat(restrictor.isHttpMethodAllowed(org.jolokia.util.HttpMethod.POST)).isTrue();
        assertThat(restrictor.isTypeAllowed(org.jolokia.util.RequestType.EXEC)).isTrue();
        assertThat(restrictor.isRemoteAccessAllowed("127.0.0.1")).isTrue();
        assertThat(restrictor.isOriginAllowed("http://127.0.0.1", true)).isTrue();
    }
}
