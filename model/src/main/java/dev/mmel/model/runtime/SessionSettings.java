package dev.mmel.model.runtime;

import java.util.Locale;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * TensorFlow session configuration: thread pools and device. {@code device} is {@code auto}
 * (a GPU if the native build and the host have one, else CPU), {@code cpu}, or {@code gpu:N}.
 * Thread counts of 0 leave the choice to TensorFlow (one per core).
 */
public record SessionSettings(int intraOpThreads, int interOpThreads, String device) {

  public SessionSettings {
    if (intraOpThreads < 0 || intraOpThreads > 1024) {
      throw new IllegalArgumentException(
          "intra_op_threads must be in [0, 1024] (0 = TensorFlow's default), got " + intraOpThreads);
    }
    if (interOpThreads < 0 || interOpThreads > 1024) {
      throw new IllegalArgumentException(
          "inter_op_threads must be in [0, 1024] (0 = TensorFlow's default), got " + interOpThreads);
    }
    device = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
    if (!device.equals("auto") && !device.equals("cpu") && !device.matches("gpu:\\d{1,2}")) {
      throw new IllegalArgumentException(
          "device must be auto, cpu or gpu:N (e.g. gpu:0), got '" + device + "'");
    }
  }

  public static SessionSettings defaults() {
    return new SessionSettings(0, 0, "auto");
  }

  public ConfigProto toConfigProto() {
    ConfigProto.Builder proto = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .setAllowSoftPlacement(true);
    if (device.equals("cpu")) {
      proto.putDeviceCount("GPU", 0);
    } else if (device.startsWith("gpu:")) {
      proto.setGpuOptions(GPUOptions.newBuilder()
          .setVisibleDeviceList(device.substring(4))
          .setAllowGrowth(true));
    } else {
      proto.setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
    }
    return proto.build();
  }
}
