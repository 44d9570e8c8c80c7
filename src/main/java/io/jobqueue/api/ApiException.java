package io.jobqueue.api;

/** A request the API refuses, with the HTTP status to answer and a message for the client. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
