package io.jobqueue.worker;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Finds the route that processes a task: a route loaded from a {@code tasks/} folder (such as
 * {@code routes/tasks/process_payment.camel.yaml}) whose input is {@code direct:<task>}. Only routes from that folder
 * count, so a job cannot name one of the application's own routes. Lookups are cached and the cache is dropped when
 * routes are added or removed (a reload). A job may name any task, so names without a route are cached only while the
 * cache is small: a stream of made-up names costs a lookup each, not memory.
 */
public final class TaskRoutes extends EventNotifierSupport {

    static final int MAX_CACHED = 1000;

    private final CamelContext camel;
    private final Map<String, Optional<Endpoint>> byTask = new ConcurrentHashMap<>();

    public TaskRoutes(CamelContext camel) {
        this.camel = camel;
        setIgnoreExchangeEvents(true);
        setIgnoreCamelContextEvents(true);
        setIgnoreServiceEvents(true);
    }

    /** The input endpoint of the task's route, or empty when there is none. */
    public Optional<Endpoint> find(String task) {
        if (task == null || task.isEmpty()) {
            return Optional.empty();
        }
        Optional<Endpoint> cached = byTask.get(task);
        if (cached != null) {
            return cached;
        }
        Optional<Endpoint> found = lookUp(task);
        if (found.isPresent() || byTask.size() < MAX_CACHED) {
            byTask.put(task, found);
        }
        return found;
    }

    int cached() {
        return byTask.size();
    }

    private Optional<Endpoint> lookUp(String task) {
        String uri = "direct://" + task;
        for (Route route : camel.getRoutes()) {
            if (uri.equals(route.getEndpoint().getEndpointUri()) && isTaskRoute(route)) {
                return Optional.of(route.getEndpoint());
            }
        }
        return Optional.empty();
    }

    private static boolean isTaskRoute(Route route) {
        return route.getSourceResource() != null && route.getSourceResource().getLocation().replace('\\', '/').contains("tasks/");
    }

    @Override
    public void notify(CamelEvent event) {
        byTask.clear();
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.RouteAddedEvent || event instanceof CamelEvent.RouteRemovedEvent;
    }
}
