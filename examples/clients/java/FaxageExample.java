// examples/clients/java/FaxageExample.java: send a fax, wait for it, download its TIFF,
// then list the inbound faxes and fetch the newest. Java 17 with java.net.http.
//   FAXAGE_URL=http://127.0.0.1:8080 java FaxageExample.java
// Over HTTPS against faxage-sim --tls: a truststore made with
//   keytool -importcert -noprompt -alias faxage-sim -file ca.pem -keystore faxage.p12 -storepass changeit
//   java -Djavax.net.ssl.trustStore=faxage.p12 -Djavax.net.ssl.trustStorePassword=changeit FaxageExample.java
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

public class FaxageExample {
    static final String BASE = env("FAXAGE_URL", "https://api.faxage.com").replaceAll("/$", "");
    static final Map<String, String> LOGIN = Map.of(
            "username", env("FAXAGE_USERNAME", "demo"),
            "company", env("FAXAGE_COMPANY", "1000"),
            "password", env("FAXAGE_PASSWORD", "demo"));
    static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30)).build();

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    static byte[] faxage(String operation, Map<String, String> fields) throws Exception {
        Map<String, String> form = new LinkedHashMap<>(LOGIN);
        form.put("operation", operation);
        form.putAll(fields);
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(BASE + "/httpsfax.php"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        byte[] answer = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
        if (new String(answer, StandardCharsets.ISO_8859_1).startsWith("ERR")) {
            System.err.println("FAXAGE answered " + new String(answer, StandardCharsets.UTF_8));
            System.exit(1);
        }
        return answer;
    }

    static String text(byte[] answer) {
        return new String(answer, StandardCharsets.UTF_8).stripTrailing();
    }

    static String describe(String what, byte[] file) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(file);
        return what + " " + file.length + " bytes sha256 " + HexFormat.of().formatHex(digest);
    }

    public static void main(String[] args) throws Exception {
        String faxno = env("FAXAGE_FAXNO", "3039911234");
        double pollSeconds = Double.parseDouble(env("FAXAGE_POLL_SECONDS", "10"));
        String document = Base64.getEncoder().encodeToString(
                "Hello from Java\n".getBytes(StandardCharsets.UTF_8));
        String answer = text(faxage("sendfax", Map.of("faxno", faxno, "recipname", "Front desk",
                "faxfilenames[]", "hello.txt", "faxfiledata[]", document)));
        String jobid = answer.replace("JOBID: ", "").trim();
        System.out.println("sent job " + jobid);

        String[] fields = null;
        for (int poll = 0; poll < 1000; poll++) {
            fields = text(faxage("status", Map.of("jobid", jobid))).split("\t");
            if (!fields[4].equals("pending")) {
                break;
            }
            Thread.sleep((long) (pollSeconds * 1000));
        }
        System.out.println("status " + jobid + " " + fields[4] + " " + fields[5]);
        System.out.println(describe("tiff", faxage("dlstatus", Map.of("jobid", jobid))));

        String[] faxes = text(faxage("listfax", Map.of())).split("\n");
        String[] newest = faxes[faxes.length - 1].split("\t");
        String recvid = newest[0];
        System.out.println("inbound " + recvid + " from " + newest[2] + " to " + newest[3]);
        System.out.println(describe("fax", faxage("getfax", Map.of("faxid", recvid))));
    }
}
