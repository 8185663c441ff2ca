package cs.resources.itest.web;

import java.util.Arrays;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.osgi.framework.FrameworkUtil;

/**
 * Which framework a test class runs in: one test bundle serves four bndruns, each saying in
 * framework property {@value #PROPERTY} which servlet APIs it has ({@code both}, {@code javax},
 * {@code jakarta}, {@code none}). The condition reads the property without loading the test
 * class's other types, so a class that needs the Web Console is skipped, not broken, elsewhere.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(Frameworks.Condition.class)
@interface Frameworks {
    String PROPERTY = "cs.resources.itest.web.servletApi";

    /** @return the values of {@value #PROPERTY} the class runs under */
    String[] value();

    /** The condition. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String api = FrameworkUtil.getBundle(Frameworks.class).getBundleContext().getProperty(PROPERTY);
            String[] wanted = context.getRequiredTestClass().getAnnotation(Frameworks.class).value();
            return Arrays.asList(wanted).contains(api) ? ConditionEvaluationResult.enabled(PROPERTY + "=" + api)
                    : ConditionEvaluationResult.disabled("not in this framework: " + PROPERTY + "=" + api);
        }
    }
}
