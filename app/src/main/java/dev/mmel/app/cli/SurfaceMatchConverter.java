package dev.mmel.app.cli;

import dev.mmel.model.dme.SurfaceMatch;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** DME's surface match on the command line, in lower case: exact, partial. */
public final class SurfaceMatchConverter implements ITypeConverter<SurfaceMatch> {
  @Override
  public SurfaceMatch convert(String text) {
    for (SurfaceMatch match : SurfaceMatch.values()) {
      if (name(match).equals(text.trim().toLowerCase(Locale.ROOT))) {
        return match;
      }
    }
    throw new TypeConversionException("'" + text + "' is not a DME match: use exact or partial");
  }

  public static String name(SurfaceMatch match) {
    return match.name().toLowerCase(Locale.ROOT);
  }
}
