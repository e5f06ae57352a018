/**
 * headroom's pipeline stages: one composite {@link org.apache.beam.sdk.transforms.PTransform} per
 * stage, each with one documented input and output element type. The {@code pipeline} module wires
 * them from a config through its stage registry and writes their outputs.
 */
package dev.headroom.stages;
