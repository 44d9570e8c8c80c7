package io.jobqueue.api;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * What the HTTP server does with each connection as it opens (its connection handler):
 * <ul>
 * <li>At most {@code maxConnections} are open at once. One more is answered 503 at once and closed, so that a flood
 * of connections costs the process a counter, not its file descriptors.</li>
 * <li>A request's headers must arrive within {@code headerTimeoutMs} of its first byte (of the connection's opening,
 * for its first request). A client that trickles them (slowloris) is answered 408 and closed. Vert.x's idle timeout
 * cannot see this: every trickled byte counts as activity. Once a request has been read, the idle timeout is what
 * governs the wait for the next one. 0 turns this off.</li>
 * </ul>
 * Vert.x has no public hook for either, so both work on the connection's Netty channel: a handler at the front of the
 * pipeline sees raw bytes arrive, one after the HTTP decoder sees where each request's headers and body end. All of
 * a connection's events run on its event loop, so its state needs no locking.
 */
final class ConnectionLimits implements Handler<HttpConnection> {

    private final int maxConnections;
    private final long headerTimeoutMs;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimits(int maxConnections, long headerTimeoutMs) {
        this.maxConnections = maxConnections;
        this.headerTimeoutMs = headerTimeoutMs;
    }

    int open() {
        return open.get();
    }

    @Override
    public void handle(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base) || base.channel().pipeline().get("httpDecoder") == null) {
            return; // not HTTP/1.x (HTTP/2 is not enabled)
        }
        Channel channel = base.channel();
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            answerAndClose(channel.pipeline(), 503, "too many connections (jobqueue.api.max-connections="
                    + maxConnections + "); try again shortly");
            return;
        }
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        if (headerTimeoutMs <= 0) {
            return;
        }
        HeaderDeadline deadline = new HeaderDeadline();
        channel.pipeline().addFirst("jobqueue-bytes-in", deadline.bytesIn);
        channel.pipeline().addAfter("httpDecoder", "jobqueue-requests-in", deadline.requestsIn);
        deadline.expectRequest(channel.pipeline().context(deadline.bytesIn));
    }

    /** The headers of the request under way are due: a timer from its first byte, cancelled when they are all in. */
    private final class HeaderDeadline {

        private ScheduledFuture<?> timer;
        /** Whether the last request has been read to its end, so that the next byte starts a new one. */
        private boolean betweenRequests;
        /** Whether some of the next request has arrived (a timeout then says so; an unused connection is just closed). */
        private boolean started;

        final ChannelInboundHandlerAdapter bytesIn = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object bytes) {
                started = true;
                if (betweenRequests) {
                    betweenRequests = false;
                    expectRequest(ctx);
                }
                ctx.fireChannelRead(bytes);
            }
        };

        final ChannelInboundHandlerAdapter requestsIn = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (message instanceof HttpRequest && timer != null) {
                    timer.cancel(false);
                    timer = null;
                    started = false;
                }
                if (message instanceof LastHttpContent) {
                    betweenRequests = true;
                }
                ctx.fireChannelRead(message);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (timer != null) {
                    timer.cancel(false);
                }
                ctx.fireChannelInactive();
            }
        };

        void expectRequest(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> {
                timer = null;
                if (started) {
                    answerAndClose(ctx.pipeline(), 408, "the request headers took longer than " + headerTimeoutMs
                            + " ms to arrive (jobqueue.api.header-timeout-ms)");
                } else {
                    ctx.channel().close();
                }
            }, headerTimeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Writes a whole HTTP response as bytes and closes the connection: for answers given outside any request (none has
     * been read, or the one under way never will be). Written from the decoder's place in the pipeline, so that it
     * passes TLS, if any, but not the HTTP encoder, which expects Vert.x's response objects.
     */
    private static void answerAndClose(ChannelPipeline pipeline, int status, String message) {
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status == 503 ? " Service Unavailable" : " Request Timeout")
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        pipeline.context("httpDecoder").writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
