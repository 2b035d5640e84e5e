package dev.flotilla.api.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.flotilla.api.ApiFault;
import java.io.IOException;
import java.util.Collection;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one JSON mapper of the API (thread-safe once built) and the translation of Jackson's errors into
 * user-facing 400s. Strict on purpose, as Firecracker's serde: unknown fields, duplicate keys, trailing
 * content, and every coercion (string to number, number to string, float to int, scalar to array) refused.
 */
public final class Json {

    public static final ObjectMapper MAPPER = build();

    private Json() {}

    private static ObjectMapper build() {
        ObjectMapper m = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        // Refuse every scalar coercion: a string for a number, a number for a string or boolean, "" for null.
        CoercionInputShape[] scalars = {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean,
                CoercionInputShape.String, CoercionInputShape.EmptyString};
        for (LogicalType target : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float,
                LogicalType.Boolean, LogicalType.POJO, LogicalType.Map, LogicalType.Collection}) {
            for (CoercionInputShape shape : scalars) {
                if (!natural(target, shape)) m.coercionConfigFor(target).setCoercion(shape, CoercionAction.Fail);
            }
        }
        return m;
    }

    private static boolean natural(LogicalType target, CoercionInputShape shape) {
        return switch (target) {
            case Textual -> shape == CoercionInputShape.String || shape == CoercionInputShape.EmptyString;
            case Integer -> shape == CoercionInputShape.Integer;
            case Float -> shape == CoercionInputShape.Float || shape == CoercionInputShape.Integer;
            case Boolean -> shape == CoercionInputShape.Boolean;
            default -> false;
        };
    }

    /**
     * @param what the resource, for messages ("machine-config")
     * @throws ApiFault 400 naming the field and what was expected
     */
    public static <T> T parse(byte[] body, Class<T> type, String what) {
        if (body.length == 0) {
            throw ApiFault.badRequest("the " + what + " request has no body: send a JSON object (Content-Type: application/json)");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) throw ApiFault.badRequest("the " + what + " body is null: send a JSON object");
            return value;
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw ApiFault.badRequest("unknown field '" + field + "' in the " + what + " body: accepted fields here are "
                    + known(e.getKnownPropertyIds()));
        } catch (InvalidFormatException e) {
            throw ApiFault.badRequest("field '" + path(e) + "' in the " + what + " body has the wrong type: expected "
                    + describe(e.getTargetType()) + ", got " + shown(e.getValue()));
        } catch (MismatchedInputException e) {
            String field = path(e);
            String where = field.isEmpty() ? "the " + what + " body" : "field '" + field + "' in the " + what + " body";
            throw ApiFault.badRequest(where + " has the wrong type: expected " + describe(e.getTargetType()) + ", got " + found(e));
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof com.fasterxml.jackson.core.exc.InputCoercionException range) {
                throw ApiFault.badRequest("field '" + path(e) + "' in the " + what + " body is out of range: "
                        + firstLine(range.getOriginalMessage()));
            }
            if (e.getCause() instanceof com.fasterxml.jackson.core.exc.StreamReadException parse) throw malformed(what, parse);
            // Duplicate keys found while binding, numbers out of range, and similar: Jackson's message says which.
            throw ApiFault.badRequest("the " + what + " body is invalid at '" + path(e) + "': " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw malformed(what, e);
        } catch (IOException e) {
            throw ApiFault.badRequest("the " + what + " body could not be read: " + e.getMessage());
        }
    }

    private static ApiFault malformed(String what, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String loc = at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return ApiFault.badRequest("the " + what + " body is not valid JSON" + loc + ": " + firstLine(e.getOriginalMessage()));
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String known(Collection<Object> ids) {
        if (ids == null || ids.isEmpty()) return "(none)";
        return new TreeSet<>(ids.stream().map(Objects::toString).toList()).toString();
    }

    private static String describe(Class<?> t) {
        if (t == null) return "another type";
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "an integer";
        if (t == Boolean.class || t == boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (java.util.Collection.class.isAssignableFrom(t)) return "an array";
        return "a JSON object";
    }

    /** What the client sent where the mismatch was found, in JSON's terms (Jackson's own message names Java classes). */
    private static String found(MismatchedInputException e) {
        if (!(e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p)) return "another type";
        com.fasterxml.jackson.core.JsonToken t = p.currentToken();
        if (t == null) return "nothing";
        try {
            return switch (t) {
                case START_OBJECT, END_OBJECT, FIELD_NAME -> "an object";
                case START_ARRAY, END_ARRAY -> "an array";
                case VALUE_STRING -> "the string " + shown(p.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
                case VALUE_TRUE, VALUE_FALSE -> p.getText();
                case VALUE_NULL -> "null";
                default -> "another type";
            };
        } catch (IOException io) {
            return "another type";
        }
    }

    private static String shown(Object v) {
        if (v == null) return "null";
        String s = v instanceof String ? "\"" + v + "\"" : v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        // Jackson's hints name its own settings ("enable `JsonReadFeature...` to allow"): not for API users
        String line = (nl < 0 ? s : s.substring(0, nl)).replaceAll(":?\\s*enable `[^`]*` to allow", "");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
