package dev.headroom.pipeline.registry;

import com.fasterxml.jackson.databind.jsontype.NamedType;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.api.StageParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The stages and methods on the classpath, found through {@link ServiceLoader}: adding a stage is
 * adding a class and a line to its services file.
 */
public final class StageRegistry {

    private final Map<String, StageDefinition<?>> stages = new LinkedHashMap<>();
    private final Map<Class<?>, StageDefinition<?>> stagesByParams = new LinkedHashMap<>();
    private final Map<String, MethodDefinition> methods = new LinkedHashMap<>();

    private StageRegistry() {}

    public static StageRegistry load() {
        StageRegistry r = new StageRegistry();
        ClassLoader loader = StageRegistry.class.getClassLoader();
        for (StageDefinition<?> s : ServiceLoader.load(StageDefinition.class, loader)) {
            if (r.stages.put(s.name(), s) != null) {
                throw new IllegalStateException("two stages named " + s.name());
            }
            r.stagesByParams.put(s.paramsType(), s);
        }
        for (MethodDefinition m : ServiceLoader.load(MethodDefinition.class, loader)) {
            if (r.methods.put(m.name(), m) != null) {
                throw new IllegalStateException("two methods named " + m.name());
            }
        }
        return r;
    }

    /** Registered stage names, sorted (the classpath's order is no order). */
    public List<String> stageNames() {
        return stages.keySet().stream().sorted().toList();
    }

    /** Registered method names, sorted. */
    public List<String> methodNames() {
        return methods.keySet().stream().sorted().toList();
    }

    /** The definition that owns a params record. */
    @SuppressWarnings("unchecked")
    public <P extends StageParams> StageDefinition<P> definitionOf(P params) {
        StageDefinition<?> d = stagesByParams.get(params.getClass());
        if (d == null) {
            throw new IllegalArgumentException(
                    "no stage registered for " + params.getClass().getName());
        }
        return (StageDefinition<P>) d;
    }

    /** Jackson subtypes for the {@code stage:} and {@code method:} keys. */
    public List<NamedType> jsonSubtypes() {
        List<NamedType> types = new ArrayList<>();
        stages.forEach((name, s) -> types.add(new NamedType(s.paramsType(), name)));
        methods.forEach((name, m) -> types.add(new NamedType(m.specType(), name)));
        return types;
    }
}
