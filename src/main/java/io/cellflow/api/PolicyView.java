package io.cellflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A cell's live policy: its canonical form and the digest every event carries. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PolicyView(
        String cellId,
        @Schema(description = "sha256: + hex SHA-256 of the canonical JSON of the policy",
                example = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        String policyDigest,
        @Schema(implementation = PolicyDocument.class, description = "canonical form: keys sorted, CIDRs"
                + " normalised, ports as sorted, merged strings, absent members omitted")
        JsonNode policy) {}
