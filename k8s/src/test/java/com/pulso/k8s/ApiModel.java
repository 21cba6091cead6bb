package com.pulso.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A rendered object held against the Kubernetes API's model (fabric8's, generated from the API's
 * OpenAPI definitions): a field the model does not have, or a value of the wrong type, lands in an
 * object's "additional properties", which {@link #problems} reports with its path. A kind the model
 * does not know (a custom resource) is reported as such unless it is expected.
 */
final class ApiModel {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private ApiModel() {}

  /** The object of a YAML document, as the model reads it. */
  static KubernetesResource read(String yaml) {
    return SERIALIZATION.unmarshal(yaml);
  }

  /** What in {@code yaml} the model does not accept, one line per field ({@code kind: path: value}). */
  static List<String> problems(String yaml) {
    List<String> problems = new ArrayList<>();
    KubernetesResource resource;
    try {
      resource = read(yaml);
    } catch (IllegalArgumentException unreadable) {
      problems.add("not readable as the API's model: " + unreadable.getMessage());
      return problems;
    }
    if (resource instanceof GenericKubernetesResource generic) {
      problems.add(generic.getKind() + ": not a kind of the Kubernetes API (" + generic.getApiVersion() + ")");
      return problems;
    }
    walk(resource, resource.getClass().getSimpleName(), problems);
    return problems;
  }

  private static void walk(Object node, String path, List<String> problems) {
    if (node == null) {
      return;
    }
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", problems);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> walk(value, path + "[" + key + "]", problems));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return; // a string, number, quantity's value...
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException(getter + " of " + path, e);
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        ((Map<?, ?>) value).forEach((field, what) -> problems.add(path + "." + field + ": " + what));
      } else {
        walk(value, path + "." + field(getter), problems);
      }
    }
  }

  private static String field(Method getter) {
    String name = getter.getName().substring(3);
    return Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }
}
