package dev.kiln.cli;

import dev.kiln.runtime.gpu.DeviceProvider;
import dev.kiln.runtime.gpu.Devices;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code kiln devices}: what each backend reaches on this machine, and why not where it does not. */
@Command(
    mixinStandardHelpOptions = true,
    name = "devices",
    description = "List the devices each backend can use here, or why it cannot.")
final class DevicesCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("cpu      available  " + Runtime.getRuntime().availableProcessors()
        + " cores, Vector API (" + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()
        + " floats per vector)");
    List<DeviceProvider.DeviceInfo> all = Devices.probe();
    for (DeviceProvider.DeviceInfo d : all) {
      String id = d.available() ? d.backend() + ":" + d.index() : d.backend();
      System.out.printf(
          "%-8s %-10s %s%s%n",
          id,
          d.available() ? "available" : "missing",
          !d.available() || d.name() == null || d.name().isEmpty() ? "" : d.name() + ": ",
          d.detail());
    }
    System.out.println("select one with --device NAME[:INDEX] or -Dkiln.device=NAME[:INDEX]");
    return 0;
  }
}
