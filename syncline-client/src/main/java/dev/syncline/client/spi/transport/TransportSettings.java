package dev.syncline.client.spi.transport;

import dev.syncline.core.InvalidInputException;
import java.net.URI;
import java.time.Duration;

/**
 * What a {@link SyncTransportFactory} is told when it makes a client's transport. Immutable.
 *
 * @param serverUrl the sync server's base URL ({@code http} or {@code https})
 * @param connectTimeout time allowed to open a connection
 * @param requestTimeout time allowed for a whole push or pull answer, and for the stream's
 *     response head
 */
public record TransportSettings(URI serverUrl, Duration connectTimeout, Duration requestTimeout) {
    /** @throws InvalidInputException naming the setting that is missing or not positive */
    public TransportSettings {
        if (serverUrl == null) {
            throw new InvalidInputException("invalid_setting", "transport serverUrl is null");
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new InvalidInputException("invalid_setting", "transport connectTimeout must be positive: " + connectTimeout);
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new InvalidInputException("invalid_setting", "transport requestTimeout must be positive: " + requestTimeout);
        }
    }
}
