package dev.headroom.pipeline.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.headroom.pipeline.registry.StageRegistry;

/** The Jackson mappers for configs: strict (no unknown keys, no coercion), snake_case keys. */
public final class ConfigMapper {

    private ConfigMapper() {}

    public static ObjectMapper yaml(StageRegistry registry) {
        YAMLMapper.Builder b = YAMLMapper.builder();
        configure(b);
        ObjectMapper m = b.build();
        registry.jsonSubtypes().forEach(m::registerSubtypes);
        return m;
    }

    /** Canonical JSON: sorted keys, no nulls, for hashing and the resolved-config artifact. */
    public static ObjectMapper canonicalJson(StageRegistry registry) {
        JsonMapper.Builder b = JsonMapper.builder();
        configure(b);
        b.enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
        ObjectMapper m = b.build();
        registry.jsonSubtypes().forEach(m::registerSubtypes);
        return m;
    }

    private static void configure(com.fasterxml.jackson.databind.cfg.MapperBuilder<?, ?> b) {
        b.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
                .enable(DeserializationFeature.FAIL_ON_MISSING_EXTERNAL_TYPE_ID_PROPERTY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
    }
}
