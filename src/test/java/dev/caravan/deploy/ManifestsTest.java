package dev.caravan.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The deployment manifests under {@code k8s/}: they parse, carry the fields Kubernetes requires, agree with
 * {@code application.properties} and the Jib image, and name only route and config files that exist.
 * kubectl is used when it is installed: {@code kubectl kustomize} always (it needs no cluster), {@code kubectl apply
 * --dry-run=client} only when a cluster context is configured.
 */
class ManifestsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path K8S = ROOT.resolve("k8s");
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Every YAML document under k8s/, keyed by "file#index". */
    private static final Map<String, JsonNode> DOCUMENTS = new TreeMap<>();
    private static int serverPort;
    private static int managementPort;

    @BeforeAll
    static void load() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList()) {
                try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                    int index = 0;
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                            DOCUMENTS.put(ROOT.relativize(file) + "#" + index, doc);
                        }
                        index++;
                    }
                }
            }
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(ROOT.resolve("application.properties"), StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        serverPort = port(properties.getProperty("camel.server.port"));
        managementPort = port(properties.getProperty("camel.management.port"));
    }

    /** A port as written, or the default of its {{env:NAME:default}} placeholder. */
    private static int port(String value) {
        String text = value.trim();
        if (text.startsWith("{{") && text.endsWith("}}")) {
            text = text.substring(text.lastIndexOf(':') + 1, text.length() - 2);
        }
        return Integer.parseInt(text);
    }

    @Test
    void everyManifestParsesAndNamesItsApiVersionKindAndName() {
        for (String file : List.of("plain/kustomization.yaml", "plain/deployment.yaml", "plain/service.yaml",
                "plain/hpa.yaml", "plain/pdb.yaml", "plain/serviceaccount.yaml", "plain/secret-template.yaml",
                "plain/servicemonitor.yaml", "camel-k/kustomization.yaml", "camel-k/integration.yaml",
                "camel-k/podmonitor.yaml")) {
            assertTrue(DOCUMENTS.containsKey("k8s/" + file + "#0"), "k8s/" + file + " is missing or empty");
        }
        DOCUMENTS.forEach((where, doc) -> {
            assertTrue(doc.isObject(), where + " is not a mapping");
            assertFalse(text(doc, "apiVersion").isBlank(), where + " has no apiVersion");
            assertFalse(text(doc, "kind").isBlank(), where + " has no kind");
            if (!text(doc, "kind").equals("Kustomization")) {
                assertFalse(text(doc.path("metadata"), "name").isBlank(), where + " has no metadata.name");
            }
        });
    }

    @Test
    void thePlainSetHasEveryKindTheIssueAsksFor() {
        Set<String> kinds = DOCUMENTS.entrySet().stream()
                .filter(e -> e.getKey().startsWith("k8s/plain/"))
                .map(e -> text(e.getValue(), "kind")).collect(Collectors.toCollection(TreeSet::new));
        for (String kind : List.of("Deployment", "Service", "Secret", "HorizontalPodAutoscaler",
                "PodDisruptionBudget", "ServiceAccount", "Kustomization")) {
            assertTrue(kinds.contains(kind), "k8s/plain has no " + kind + ": " + kinds);
        }
        assertEquals("autoscaling/v2", text(only("HorizontalPodAutoscaler"), "apiVersion"));
        assertEquals("policy/v1", text(only("PodDisruptionBudget"), "apiVersion"));
        assertEquals("camel.apache.org/v1", text(only("Integration"), "apiVersion"));
    }

    @Test
    void theDeploymentDeclaresTheApiAndManagementPortsOfApplicationProperties() {
        JsonNode container = gatewayContainer();
        assertEquals(serverPort, containerPort(container, "http"));
        assertEquals(managementPort, containerPort(container, "management"));
    }

    @Test
    void theDeploymentProbesLivenessAndReadinessOnTheManagementPort() {
        JsonNode container = gatewayContainer();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode httpGet = container.path(probe).path("httpGet");
            assertFalse(httpGet.isMissingNode(), "no " + probe);
            assertEquals(managementPort, resolvePort(container, httpGet.path("port")), probe + " is not on the management port");
        }
        assertEquals("/observe/health/live", text(container.path("livenessProbe").path("httpGet"), "path"));
        assertEquals("/observe/health/ready", text(container.path("readinessProbe").path("httpGet"), "path"));
    }

    @Test
    void theDeploymentSetsCpuAndMemoryRequestsAndLimits() {
        JsonNode resources = gatewayContainer().path("resources");
        for (String bound : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                assertFalse(text(resources.path(bound), resource).isBlank(), "no " + bound + "." + resource);
            }
        }
    }

    @Test
    void theDeploymentRunsAsNonRootOnAReadOnlyRootWithWritableDataAndTmp() {
        JsonNode pod = only("Deployment").path("spec").path("template").path("spec");
        JsonNode container = gatewayContainer();
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), "pod may run as root");
        assertTrue(pod.path("securityContext").path("runAsUser").asInt() > 0, "pod runs as uid 0");
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), "root fs is writable");
        assertFalse(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true));
        for (String path : List.of("/app/data", "/tmp")) {
            JsonNode volume = volumeMountedAt(pod, container, path);
            assertTrue(volume.has("emptyDir"), path + " is not an emptyDir");
        }
        assertTrue(pod.path("terminationGracePeriodSeconds").asInt() > 30,
                "the grace period must exceed camel.main.shutdown-timeout (30 s)");
    }

    @Test
    void theDeploymentMountsRoutesAndConfigFromConfigMapsAsDirectories() {
        JsonNode pod = only("Deployment").path("spec").path("template").path("spec");
        JsonNode container = gatewayContainer();
        Map<String, String> expected = Map.of("/app/routes", "caravan-routes",
                "/app/routes/providers", "caravan-routes-providers", "/app/config", "caravan-config");
        expected.forEach((path, configMap) -> {
            JsonNode volume = volumeMountedAt(pod, container, path);
            assertEquals(configMap, text(volume.path("configMap"), "name"), path);
        });
        for (JsonNode mount : container.path("volumeMounts")) {
            assertFalse(mount.has("subPath"), "subPath mounts never see ConfigMap updates: " + mount);
        }
        Set<String> generated = generatedConfigMaps("k8s/plain/kustomization.yaml#0");
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("configMap")) {
                assertTrue(generated.contains(text(volume.path("configMap"), "name")),
                        "volume " + volume + " names a ConfigMap the kustomization does not generate");
            }
        }
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                assertTrue(generated.contains(text(from.path("configMapRef"), "name")), "envFrom " + from);
            }
            if (from.has("secretRef")) {
                assertEquals(text(only("Secret").path("metadata"), "name"), text(from.path("secretRef"), "name"));
            }
        }
    }

    @Test
    void theServiceExposesTheApiAndManagementPortsOnTheGatewayPods() {
        JsonNode service = only("Service");
        JsonNode container = gatewayContainer();
        Map<String, Integer> ports = new TreeMap<>();
        for (JsonNode port : service.path("spec").path("ports")) {
            ports.put(text(port, "name"), port.path("port").asInt());
            assertTrue(resolvePort(container, port.path("targetPort")) > 0, "targetPort " + port + " matches no container port");
        }
        assertEquals(Map.of("http", serverPort, "management", managementPort), ports);
        assertSelects(service.path("spec").path("selector"), "Service");
    }

    @Test
    void theAutoscalerScalesTheDeploymentOnCpuAndTheDisruptionBudgetCoversItsPods() {
        JsonNode hpa = only("HorizontalPodAutoscaler").path("spec");
        assertEquals("Deployment", text(hpa.path("scaleTargetRef"), "kind"));
        assertEquals(text(only("Deployment").path("metadata"), "name"), text(hpa.path("scaleTargetRef"), "name"));
        assertTrue(hpa.path("minReplicas").asInt() >= 2, "one replica cannot survive a disruption");
        assertTrue(hpa.path("maxReplicas").asInt() >= hpa.path("minReplicas").asInt());
        boolean cpu = false;
        for (JsonNode metric : hpa.path("metrics")) {
            cpu |= "cpu".equals(text(metric.path("resource"), "name"));
        }
        assertTrue(cpu, "the autoscaler has no CPU metric");
        assertSelects(only("PodDisruptionBudget").path("spec").path("selector").path("matchLabels"), "PodDisruptionBudget");
    }

    @Test
    void theServiceAccountCarriesAnAwsWebIdentityRoleAndTheGatewayUsesIt() {
        JsonNode account = only("ServiceAccount");
        assertTrue(text(account.path("metadata").path("annotations"), "eks.amazonaws.com/role-arn").startsWith("arn:aws:iam::"));
        String name = text(account.path("metadata"), "name");
        assertEquals(name, text(only("Deployment").path("spec").path("template").path("spec"), "serviceAccountName"));
        assertEquals(name, text(only("Integration").path("spec"), "serviceAccountName"));
    }

    @Test
    void theSecretTemplateNamesTheThreeKeysAndHoldsNoValue() {
        JsonNode data = only("Secret").path("stringData");
        assertEquals(Set.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CARAVAN_MASTER_KEY"), fieldNames(data));
        data.fields().forEachRemaining(e -> assertEquals("", e.getValue().asText(), e.getKey() + " has a value"));
        assertFalse(only("Secret").has("data"), "the template must not carry encoded values");
        for (JsonNode kustomization : kustomizations().values()) {
            for (JsonNode resource : kustomization.path("resources")) {
                assertFalse(resource.asText().contains("secret"), "apply would overwrite the real Secret: " + resource);
            }
        }
    }

    @Test
    void theCamelKIntegrationRunsTheImageWithRoutesAndConfigMountedWhereTheGatewayReadsThem() {
        JsonNode spec = only("Integration").path("spec");
        JsonNode traits = spec.path("traits");
        assertFalse(text(traits.path("container"), "image").isBlank(), "no container.image");
        assertEquals(serverPort, traits.path("container").path("port").asInt());
        assertTrue(traits.path("container").path("ports").toString().contains("management;" + managementPort));
        for (String resource : List.of("requestCPU", "requestMemory", "limitCPU", "limitMemory")) {
            assertFalse(text(traits.path("container"), resource).isBlank(), "no container." + resource);
        }
        Set<String> mounts = new TreeSet<>();
        traits.path("mount").path("resources").forEach(r -> mounts.add(r.asText()));
        assertEquals(Set.of("configmap:caravan-routes@/app/routes",
                "configmap:caravan-routes-providers@/app/routes/providers",
                "configmap:caravan-config@/app/config"), mounts);
        Set<String> generated = generatedConfigMaps("k8s/camel-k/kustomization.yaml#0");
        for (String mount : mounts) {
            String configMap = mount.substring("configmap:".length(), mount.indexOf('@'));
            assertTrue(generated.contains(configMap), configMap + " is not generated by k8s/camel-k/kustomization.yaml");
        }
        assertTrue(traits.path("prometheus").path("enabled").asBoolean());
    }

    @Test
    void theCamelKProbesUseTheHealthPathsAndTheManagementPort() {
        JsonNode spec = only("Integration").path("spec");
        JsonNode health = spec.path("traits").path("health");
        assertTrue(health.path("enabled").asBoolean());
        assertEquals("/observe/health/live", text(health, "livenessProbe"));
        assertEquals("/observe/health/ready", text(health, "readinessProbe"));
        JsonNode container = spec.path("template").path("spec").path("containers").path(0);
        assertEquals("integration", text(container, "name"), "Camel K names its container \"integration\"");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertEquals(managementPort, container.path(probe).path("httpGet").path("port").asInt(), probe);
            assertEquals(text(health, probe), text(container.path(probe).path("httpGet"), "path"), probe);
        }
    }

    @Test
    void thePrometheusScrapeConfigsReadTheManagementPortAtObserveMetrics() {
        JsonNode serviceMonitor = only("ServiceMonitor").path("spec").path("endpoints").path(0);
        assertEquals("management", text(serviceMonitor, "port"));
        assertEquals("/observe/metrics", text(serviceMonitor, "path"));
        JsonNode podMonitor = only("PodMonitor").path("spec").path("podMetricsEndpoints").path(0);
        assertEquals("management", text(podMonitor, "port"));
        assertEquals("/observe/metrics", text(podMonitor, "path"));
        JsonNode annotations = only("Deployment").path("spec").path("template").path("metadata").path("annotations");
        assertEquals(String.valueOf(managementPort), text(annotations, "prometheus.io/port"));
        assertEquals("/observe/metrics", text(annotations, "prometheus.io/path"));
    }

    @Test
    void everyFileAndResourceTheKustomizationsNameExists() {
        kustomizations().forEach((where, kustomization) -> {
            Path dir = ROOT.resolve(where.substring(0, where.indexOf('#'))).getParent();
            for (JsonNode resource : kustomization.path("resources")) {
                assertTrue(Files.isRegularFile(dir.resolve(resource.asText()).normalize()), where + ": no " + resource);
            }
            for (JsonNode generator : kustomization.path("configMapGenerator")) {
                for (JsonNode file : generator.path("files")) {
                    String path = file.asText();
                    path = path.contains("=") ? path.substring(path.indexOf('=') + 1) : path;
                    Path resolved = dir.resolve(path).normalize();
                    assertTrue(Files.isRegularFile(resolved), where + ": " + generator.path("name") + " names missing " + path);
                    assertTrue(resolved.startsWith(ROOT), path + " is outside the repository");
                }
            }
        });
    }

    @Test
    void everyRouteAndConfigFileOfTheRepositoryIsShippedByBothKustomizations() throws IOException {
        Map<String, Set<String>> expected = Map.of(
                "caravan-routes", filesIn("routes"),
                "caravan-routes-providers", filesIn("routes/providers"),
                "caravan-config", union(filesIn("config"), Set.of("application.properties")));
        kustomizations().forEach((where, kustomization) -> {
            Path dir = ROOT.resolve(where.substring(0, where.indexOf('#'))).getParent();
            Map<String, Set<String>> shipped = new TreeMap<>();
            for (JsonNode generator : kustomization.path("configMapGenerator")) {
                Set<String> files = new TreeSet<>();
                generator.path("files").forEach(f -> files.add(ROOT.relativize(dir.resolve(f.asText()).normalize()).toString()));
                shipped.put(text(generator, "name"), files);
            }
            expected.forEach((configMap, files) ->
                    assertEquals(files, shipped.get(configMap), where + ": " + configMap + " ships other files than the repository has"));
        });
    }

    @Test
    void theJibImageExposesTheConfiguredPortsFromAppAsANonRootUser() throws Exception {
        Document pom;
        try (InputStream in = Files.newInputStream(ROOT.resolve("pom.xml"))) {
            pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        Element jib = null;
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(child(plugin, "artifactId"))) {
                jib = plugin;
            }
        }
        assertNotNull(jib, "pom.xml has no jib-maven-plugin");
        Element container = (Element) jib.getElementsByTagName("container").item(0);
        assertEquals("/app", child(container, "workingDirectory"));
        assertEquals("eclipse-temurin:17-jre", ((Element) jib.getElementsByTagName("from").item(0))
                .getElementsByTagName("image").item(0).getTextContent().trim());
        Set<String> ports = new TreeSet<>();
        NodeList portNodes = container.getElementsByTagName("port");
        for (int i = 0; i < portNodes.getLength(); i++) {
            ports.add(portNodes.item(i).getTextContent().trim());
        }
        assertEquals(Set.of(String.valueOf(serverPort), String.valueOf(managementPort)), ports);
        String user = child(container, "user");
        assertFalse(user.isBlank() || user.startsWith("0") || user.startsWith("root"), "the image runs as root: " + user);
        assertEquals(user.split(":")[0], gatewayDeploymentUser(), "the Deployment's runAsUser differs from the image's user");
        Set<String> into = new TreeSet<>();
        NodeList targets = jib.getElementsByTagName("into");
        for (int i = 0; i < targets.getLength(); i++) {
            into.add(targets.item(i).getTextContent().trim());
        }
        assertTrue(into.containsAll(Set.of("/app/routes", "/app/config", "/app")), "extraDirectories: " + into);
    }

    @Test
    void kubectlRendersBothKustomizationsWhenItIsInstalled() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        for (String set : List.of("k8s/plain", "k8s/camel-k")) {
            String rendered = run(List.of("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", set));
            List<JsonNode> docs = new ArrayList<>();
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(rendered)) {
                it.forEachRemaining(docs::add);
            }
            Map<String, JsonNode> configMaps = new TreeMap<>();
            docs.stream().filter(d -> text(d, "kind").equals("ConfigMap"))
                    .forEach(d -> configMaps.put(text(d.path("metadata"), "name"), d.path("data")));
            assertEquals(Files.readString(ROOT.resolve("config/catalog.yaml")),
                    text(configMaps.get("caravan-config"), "catalog.yaml"), set + ": catalog.yaml differs");
            assertEquals(fileNames(filesIn("routes")), fieldNames(configMaps.get("caravan-routes")), set);
            assertEquals(fileNames(filesIn("routes/providers")), fieldNames(configMaps.get("caravan-routes-providers")), set);
        }
    }

    @Test
    void kubectlAcceptsThePlainManifestsInAClientDryRunWhenAClusterIsConfigured() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        // Without a context kubectl would talk to localhost:8080, which may well be a gateway under test.
        Process context = new ProcessBuilder("kubectl", "config", "current-context").redirectErrorStream(true).start();
        Assumptions.assumeTrue(context.waitFor(10, TimeUnit.SECONDS) && context.exitValue() == 0,
                "no kubectl context configured: client dry run skipped");
        String rendered = run(List.of("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", "k8s/plain"));
        Path file = Files.createTempFile("caravan-plain", ".yaml");
        try {
            Files.writeString(file, rendered);
            run(List.of("kubectl", "apply", "--dry-run=client", "-f", file.toString()));
            run(List.of("kubectl", "apply", "--dry-run=client", "-f", "k8s/plain/secret-template.yaml"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static JsonNode only(String kind) {
        List<JsonNode> found = DOCUMENTS.values().stream().filter(d -> text(d, "kind").equals(kind)).toList();
        assertEquals(1, found.size(), "expected one " + kind);
        return found.get(0);
    }

    private static Map<String, JsonNode> kustomizations() {
        Map<String, JsonNode> found = new TreeMap<>();
        DOCUMENTS.forEach((where, doc) -> {
            if (text(doc, "kind").equals("Kustomization")) {
                found.put(where, doc);
            }
        });
        assertEquals(2, found.size(), "expected k8s/plain and k8s/camel-k kustomizations: " + found.keySet());
        return found;
    }

    private static Set<String> generatedConfigMaps(String where) {
        JsonNode kustomization = DOCUMENTS.get(where);
        assertNotNull(kustomization, where);
        Set<String> names = new TreeSet<>();
        kustomization.path("configMapGenerator").forEach(g -> names.add(text(g, "name")));
        return names;
    }

    private static JsonNode gatewayContainer() {
        JsonNode containers = only("Deployment").path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container expected");
        return containers.get(0);
    }

    private static String gatewayDeploymentUser() {
        return only("Deployment").path("spec").path("template").path("spec").path("securityContext").path("runAsUser").asText();
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (name.equals(text(port, "name"))) {
                return port.path("containerPort").asInt();
            }
        }
        return fail("no container port named " + name);
    }

    /** A port given as a number or as the name of a container port. */
    private static int resolvePort(JsonNode container, JsonNode port) {
        return port.isInt() ? port.asInt() : containerPort(container, port.asText());
    }

    private static JsonNode volumeMountedAt(JsonNode pod, JsonNode container, String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (path.equals(text(mount, "mountPath"))) {
                for (JsonNode volume : pod.path("volumes")) {
                    if (text(volume, "name").equals(text(mount, "name"))) {
                        return volume;
                    }
                }
                return fail("volume " + text(mount, "name") + " is mounted but not declared");
            }
        }
        return fail("nothing is mounted at " + path);
    }

    private static void assertSelects(JsonNode selector, String what) {
        JsonNode podLabels = only("Deployment").path("spec").path("template").path("metadata").path("labels");
        assertTrue(selector.size() > 0, what + " selects everything");
        selector.fields().forEachRemaining(e -> assertEquals(e.getValue().asText(), text(podLabels, e.getKey()),
                what + " selector " + e.getKey() + " does not match the gateway pods"));
    }

    private static Set<String> filesIn(String dir) throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .map(p -> ROOT.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> fileNames(Set<String> paths) {
        return paths.stream().map(p -> Path.of(p).getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Set<String> fieldNames(JsonNode node) {
        assertNotNull(node);
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String text(JsonNode node, String field) {
        return node == null ? "" : node.path(field).asText("");
    }

    private static String child(Element parent, String tag) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        return "";
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }
}
