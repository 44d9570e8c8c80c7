package io.jobqueue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;

/**
 * Entry point: {@code java -jar redis-job-queue.jar [all|api|worker|monitor] [camel-main options]}.
 * <p>
 * Configuration comes from {@code config/application.properties} in the working directory when it is there, else
 * from the copy packaged in the jar; YAML routes likewise come from {@code routes/} or the packaged copies. Top-level
 * routes ({@code routes/*.camel.yaml}: the HTTP API) run in the api role; task routes ({@code routes/tasks/}) run in
 * the worker role.
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        Role role = Role.ALL;
        if (!rest.isEmpty() && !rest.get(0).startsWith("-")) {
            String word = rest.remove(0);
            if (!Role.isRoleName(word)) {
                System.err.println("Unknown role '" + word + "'. Usage: java -jar redis-job-queue.jar ["
                        + Role.names() + "] [camel-main options]");
                System.exit(2);
            }
            role = Role.parse(word);
        }
        Main main = create(role, Map.of());
        main.run(rest.toArray(String[]::new));
        System.exit(main.getExitCode());
    }

    /**
     * A camel-main for one role; {@code overrides} take precedence over every other source of settings (tests use
     * them for ports and the Redis URL).
     */
    public static Main create(Role role, Map<String, String> overrides) {
        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation(Files.isRegularFile(Path.of("config/application.properties"))
                ? "file:config/application.properties"
                : "classpath:application.properties");
        main.addOverrideProperty("camel.main.routes-include-pattern", routesPattern(role));
        main.addOverrideProperty("camel.server.enabled", String.valueOf(role.api));
        String redisUrl = System.getenv("REDIS_URL");
        if (redisUrl != null && !redisUrl.isBlank() && System.getProperty("jobqueue.redis.url") == null) {
            main.addOverrideProperty("jobqueue.redis.url", redisUrl);
        }
        overrides.forEach(main::addOverrideProperty);
        main.configure().addConfiguration(new JobQueueConfiguration(role));
        return main;
    }

    private static String routesPattern(Role role) {
        String base = Files.isDirectory(Path.of("routes")) ? "file:routes/" : "classpath:routes/";
        List<String> patterns = new ArrayList<>();
        if (role.api) {
            patterns.add(base + "*.camel.yaml");
        }
        if (role.worker) {
            patterns.add(base + "tasks/*.camel.yaml");
        }
        // the monitor loads no YAML; a pattern that matches nothing keeps camel-main off its default locations
        return patterns.isEmpty() ? base + "none/*.camel.yaml" : String.join(",", patterns);
    }
}
