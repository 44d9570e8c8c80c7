package io.jobqueue.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.camel.Processor;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

class TaskRoutesTest {

    @Test
    void madeUpTaskNamesDoNotGrowTheCacheButRealOnesAreKept() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("brokenProcessor", (Processor) exchange -> { }); // named by a test route
            PluginHelper.getRoutesLoader(camel).loadRoutes(
                    PluginHelper.getResourceLoader(camel).resolveResource("classpath:tasks/test-tasks.camel.yaml"));
            camel.start();
            TaskRoutes tasks = new TaskRoutes(camel);

            for (int i = 0; i < 100_000; i++) {
                assertTrue(tasks.find("no_such_task_" + i).isEmpty());
            }
            assertEquals(TaskRoutes.MAX_CACHED, tasks.cached());

            assertEquals("direct://sleep", tasks.find("sleep").orElseThrow().getEndpointUri());
            assertEquals(TaskRoutes.MAX_CACHED + 1, tasks.cached(), "a task that has a route is cached even when the cache is full");
            assertTrue(tasks.find("no_such_task_5").isEmpty(), "a name cached as unknown");
        }
    }
}
