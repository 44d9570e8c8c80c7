package io.jobqueue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import io.jobqueue.api.ApiHttpServerFactory;
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
        if (Boolean.getBoolean("jobqueue.cds-training")) {
            CdsTraining.run();
            System.exit(0);
        }
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
        // camel-main logs every setting at start; keys ending in these words are shown as xxxxxx (jobqueue.api.tokens)
        main.configure().setAdditionalSensitiveKeywords("tokens");
        main.setDefaultPropertyPlaceholderLocation(Files.isRegularFile(Path.of("config/application.properties"))
                ? "file:config/application.properties"
                : "classpath:application.properties");
        String routes = routesPattern(role);
        if (routes.isEmpty()) {
            // the monitor loads no YAML (its routes are Java, added by JobQueueConfiguration)
            main.addOverrideProperty("camel.main.routes-collector-enabled", "false");
        } else {
            main.addOverrideProperty("camel.main.routes-include-pattern", routes);
        }
        main.addOverrideProperty("camel.server.enabled", String.valueOf(role.api));
        if (role.api) {
            // bound before start: camel-main makes its HTTP server before JobQueueConfiguration runs
            main.bind("apiHttpServerFactory", new ApiHttpServerFactory());
        }
        String redisUrl = System.getenv("REDIS_URL");
        if (redisUrl != null && !redisUrl.isBlank() && System.getProperty("jobqueue.redis.url") == null) {
            main.addOverrideProperty("jobqueue.redis.url", redisUrl);
        }
        overrides.forEach(main::addOverrideProperty);
        main.configure().addConfiguration(new JobQueueConfiguration(role));
        return main;
    }

    private static String routesPattern(Role role) {
        boolean local = Files.isDirectory(Path.of("routes"));
        List<String> patterns = new ArrayList<>();
        if (role.api) {
            patterns.add(local ? "file:routes/*.camel.yaml" : packagedRoutes("routes/"));
        }
        if (role.worker) {
            patterns.add(local ? "file:routes/tasks/*.camel.yaml" : packagedRoutes("routes/tasks/"));
        }
        patterns.removeIf(String::isEmpty);
        return String.join(",", patterns);
    }

    /**
     * The YAML routes packaged in the jar directly under {@code folder}, by name. Camel's classpath wildcard would
     * find them by reading the whole jar (with the embedded Redis binaries, over 40 MB) through a JarInputStream,
     * which took two seconds of start-up; the jar's central directory lists them at once.
     */
    private static String packagedRoutes(String folder) {
        try {
            Path jar = Path.of(Application.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                return "classpath:" + folder + "*.camel.yaml";
            }
            try (JarFile entries = new JarFile(jar.toFile())) {
                return entries.stream().map(JarEntry::getName)
                        .filter(name -> name.startsWith(folder) && name.endsWith(".camel.yaml")
                                && name.indexOf('/', folder.length()) < 0)
                        .map(name -> "classpath:" + name)
                        .collect(Collectors.joining(","));
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return "classpath:" + folder + "*.camel.yaml";
        }
    }
}
