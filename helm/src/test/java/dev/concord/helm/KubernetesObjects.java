package dev.concord.helm;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses rendered manifests strictly into fabric8's typed Kubernetes model: a kind the model does
 * not know (it would become a {@link GenericKubernetesResource}) or a field that its class does not
 * have (fabric8 keeps those in {@code additionalProperties}) is an error, as a wrong value type is.
 */
final class KubernetesObjects {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private KubernetesObjects() {}

  static List<HasMetadata> parseAll(String multiDocumentYaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(multiDocumentYaml)) {
      if (document.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      objects.add(parse(document));
    }
    return objects;
  }

  static HasMetadata parse(String document) {
    Object parsed;
    try {
      parsed = SERIALIZATION.unmarshal(document);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a valid Kubernetes object:\n" + document, e);
    }
    if (!(parsed instanceof HasMetadata object) || parsed instanceof GenericKubernetesResource) {
      throw new IllegalArgumentException(
          "unknown kind (no typed model class):\n" + document.lines().limit(4).toList());
    }
    List<String> unknown = new ArrayList<>();
    collectUnknownFields(object, object.getKind() + "/" + object.getMetadata().getName(), unknown);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown fields " + unknown + " in:\n" + document);
    }
    return object;
  }

  /** Walks the model's JSON properties and reports every field that landed in additionalProperties. */
  private static void collectUnknownFields(Object node, String path, List<String> unknown) {
    switch (node) {
      case null -> {}
      case Map<?, ?> map -> map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, unknown));
      case Collection<?> items -> {
        int i = 0;
        for (Object item : items) {
          collectUnknownFields(item, path + "[" + i++ + "]", unknown);
        }
      }
      default -> {
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
          return;
        }
        additionalProperties(node).keySet().forEach(key -> unknown.add(path + "." + key));
        for (Class<?> c = node.getClass(); c != Object.class; c = c.getSuperclass()) {
          for (Field field : c.getDeclaredFields()) {
            JsonProperty property = field.getAnnotation(JsonProperty.class);
            if (property == null || Modifier.isStatic(field.getModifiers())) {
              continue;
            }
            collectUnknownFields(read(field, node), path + "." + property.value(), unknown);
          }
        }
      }
    }
  }

  private static Map<?, ?> additionalProperties(Object node) {
    try {
      Method getter = node.getClass().getMethod("getAdditionalProperties");
      Object value = getter.invoke(node);
      return value instanceof Map<?, ?> map ? map : Map.of();
    } catch (NoSuchMethodException e) {
      return Map.of();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object read(Field field, Object node) {
    try {
      field.setAccessible(true);
      return field.get(node);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
