package dev.flotilla.fleet.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.flotilla.fleet.VmDefinition;
import java.io.IOException;
import java.nio.file.Path;

/**
 * VmDefinition ⇄ JSON for the store. The JSON mirrors the records (component names, enum constant
 * names) and is tagged with {@link #FORMAT} in its own column, so a later change of the records comes with
 * a version bump and a migration rather than silently unreadable rows. Paths are stored as written
 * (not as file: URIs, which would make a relative path absolute). Thread-safe.
 */
public final class DefinitionCodec {

    /** Stands in for the id in a fingerprint. */
    private static final String ANY_ID = "fingerprint";

    /** The stored format of this codec. */
    public static final int FORMAT = 1;

    /** One mapper for every codec: Jackson builds its (de)serializers once, not once per store and fingerprint. */
    private static final ObjectMapper MAPPER = newMapper();

    private final ObjectMapper mapper = MAPPER;

    private static ObjectMapper newMapper() {
        SimpleModule paths = new SimpleModule("flotilla-paths");
        paths.addSerializer(Path.class, new JsonSerializer<>() {
            @Override
            public void serialize(Path value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(value.toString());
            }
        });
        paths.addDeserializer(Path.class, new JsonDeserializer<>() {
            @Override
            public Path deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return Path.of(p.getValueAsString());
            }
        });
        return JsonMapper.builder()
                .addModule(new Jdk8Module())
                .addModule(paths)
                // a row written by a newer Flotilla keeps loading in an older one; missing fields take the
                // records' defaults, and the records' constructors still validate everything
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
    }

    /**
     * The SHA-256 (hex) of the canonical JSON of {@code definition} with its id set aside: equal for two
     * requests that ask for the same VM, whatever ids they carry.
     */
    public String fingerprint(VmDefinition definition) {
        try {
            byte[] json = encode(definition.withId(ANY_ID)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    public String encode(VmDefinition definition) {
        try {
            return mapper.writeValueAsString(definition);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("encoding the definition of VM " + definition.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @throws StoreException when the text is not a valid definition in {@code format}
     */
    public VmDefinition decode(String json, int format) {
        if (format != FORMAT) {
            throw new StoreException("stored definition has format " + format + " but this Flotilla reads format "
                    + FORMAT + ": run the Flotilla version that wrote it, or migrate the store");
        }
        try {
            return mapper.readValue(json, VmDefinition.class);
        } catch (IOException | RuntimeException e) {
            throw new StoreException("stored definition is unreadable: " + e.getMessage(), e);
        }
    }
}
