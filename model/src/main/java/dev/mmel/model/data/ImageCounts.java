package dev.mmel.model.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of the images of kept mentions or of KB entities: a readable file, none given,
 * or a file given that is not there. Only the last is a problem with the data; a record
 * without an image is normal, and a dataset with none at all is text only.
 */
public record ImageCounts(long found, long notGiven, long fileMissing) {

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("found", found);
    json.put("not_given", notGiven);
    json.put("file_missing", fileMissing);
    return json;
  }
}
