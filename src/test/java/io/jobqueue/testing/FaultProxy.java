package io.jobqueue.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between the application and Redis that a test can turn into a bad network at any moment: forward,
 * pause, blackhole (a silently dropped flow: no FIN, no RST, no reply, ever), reset (RST), refuse new connections.
 * Modes apply to the connections already open and to new ones. Plain blocking sockets, two daemon threads per
 * connection; every state change happens under this object's monitor, on which a paused pump waits.
 */
public final class FaultProxy implements AutoCloseable {

    private enum Mode { FORWARD, PAUSE, BLACKHOLE }

    /** One client connection and its connection to the target. Fields guarded by the proxy's monitor. */
    private static final class Link {
        final Socket client;
        Socket upstream;
        boolean dropped; // blackholed once: its bytes are gone, so it stays broken even after forward()
        boolean closed;

        Link(Socket client) {
            this.client = client;
        }
    }

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Link> links = new HashSet<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();
    private Mode mode = Mode.FORWARD;
    private ServerSocket listener; // null while refusing new connections
    private boolean refusing;
    private boolean closed;

    private FaultProxy(String targetHost, int targetPort, int port) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.port = port;
    }

    /** A proxy on a free port of 127.0.0.1 to {@code targetHost:targetPort}, forwarding. */
    public static FaultProxy start(String targetHost, int targetPort) throws IOException {
        ServerSocket socket = bind(0);
        FaultProxy proxy = new FaultProxy(targetHost, targetPort, socket.getLocalPort());
        proxy.listen(socket);
        return proxy;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Normal forwarding; paused bytes flow again. Connections blackholed earlier stay broken. */
    public synchronized void forward() {
        setMode(Mode.FORWARD);
    }

    /**
     * Holds every byte in both directions, connections open, new ones accepted: a frozen network or peer. Each pump
     * holds at most the one chunk it has read; the rest waits in the kernel's buffers, so a sender that goes on
     * writing ends up blocked, as it would against a frozen peer.
     */
    public synchronized void pause() {
        setMode(Mode.PAUSE);
    }

    /**
     * Every open connection, and every new one until forward() (accepted and connected to the target, so the client
     * sees a connect succeed), silently loses all it carries, both ways and for good: no reply, no FIN, no RST.
     */
    public synchronized void blackhole() {
        links.forEach(link -> link.dropped = true);
        setMode(Mode.BLACKHOLE);
    }

    /** Closes every open connection with a TCP RST to the client (and closes its target side), then forwards. */
    public synchronized void reset() {
        new ArrayList<>(links).forEach(link -> closeLink(link, true));
        setMode(Mode.FORWARD);
    }

    /** Closes every open connection in the orderly way (FIN), as a restarting server would; the mode stays. */
    public synchronized void dropAll() {
        new ArrayList<>(links).forEach(link -> closeLink(link, false));
    }

    /**
     * While refusing, every new connection is reset as soon as it is accepted (a connect fails at once); open ones go
     * on. The port stays bound: closed, it could be taken by another test's server on this busy machine.
     */
    public synchronized void refuseNew(boolean refuse) {
        refusing = refuse;
    }

    public long connectionsAccepted() {
        return accepted.get();
    }

    public synchronized int connectionsOpen() {
        return links.size();
    }

    public long bytesToTarget() {
        return bytesToTarget.get();
    }

    public long bytesToClient() {
        return bytesToClient.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
        }
        new ArrayList<>(links).forEach(link -> closeLink(link, false));
        notifyAll();
    }

    private static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing is what matters
        }
        closeQuietly(socket);
    }

    private void setMode(Mode newMode) {
        mode = newMode;
        notifyAll(); // paused pumps re-check what to do with the bytes they hold
    }

    private static ServerSocket bind(int onPort) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        return socket;
    }

    private synchronized void listen(ServerSocket socket) {
        listener = socket;
        daemon("fault-proxy-" + port + "-accept", () -> acceptLoop(socket));
    }

    private void acceptLoop(ServerSocket socket) {
        while (true) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException listenerClosed) {
                return; // refuseNew(true) or close()
            }
            accepted.incrementAndGet();
            Link link = new Link(client);
            synchronized (this) {
                if (closed) {
                    closeQuietly(client);
                    return;
                }
                if (refusing) {
                    resetQuietly(client);
                    continue;
                }
                link.dropped = mode == Mode.BLACKHOLE; // connected through, but nothing it carries arrives
                links.add(link);
            }
            // connects in the link's own thread: a slow target must not hold up accepting others
            daemon("fault-proxy-" + port + "-link-" + client.getPort(), () -> connectAndPump(link));
        }
    }

    private void connectAndPump(Link link) {
        Socket upstream = new Socket();
        try {
            upstream.setTcpNoDelay(true); // the proxy must add no latency of its own
            link.client.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5000);
        } catch (IOException targetDown) {
            closeQuietly(upstream);
            closeLink(link, false);
            return;
        }
        synchronized (this) {
            if (link.closed) { // reset or closed while connecting
                closeQuietly(upstream);
                return;
            }
            link.upstream = upstream;
        }
        daemon("fault-proxy-" + port + "-down-" + link.client.getPort(),
                () -> pump(link, upstream, link.client, bytesToClient, false));
        pump(link, link.client, upstream, bytesToTarget, true);
    }

    /** Copies {@code from} to {@code to} until either ends, asking before each chunk what the mode allows. */
    private void pump(Link link, Socket from, Socket to, AtomicLong counter, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (mayForward(link)) {
                    out.write(buffer, 0, n);
                    counter.addAndGet(n);
                } // else: blackholed, the chunk is dropped on the floor
            }
        } catch (IOException | InterruptedException ended) {
            // closed under us (reset, dropAll, close) or by the peer: the link ends below
        }
        pumpEnded(link, from, fromClient);
    }

    private synchronized void pumpEnded(Link link, Socket from, boolean fromClient) {
        if (!fromClient && link.dropped) {
            closeQuietly(from); // the target went away, but a dropped flow tells the client nothing, not even that
            return;
        }
        closeLink(link, false); // Redis uses no half-close: one side ending ends both
    }

    /** Waits while paused (the bytes just read stay held, so nothing is lost); false when they must be dropped. */
    private synchronized boolean mayForward(Link link) throws InterruptedException {
        while (mode == Mode.PAUSE && !link.dropped && !link.closed) {
            wait();
        }
        return !link.dropped && !link.closed;
    }

    private synchronized void closeLink(Link link, boolean rstToClient) {
        if (link.closed) {
            return;
        }
        link.closed = true;
        links.remove(link);
        if (rstToClient) {
            try {
                link.client.setSoLinger(true, 0); // linger 0: close() sends RST instead of FIN
            } catch (IOException alreadyGone) {
                // closing below is all that is left to do
            }
        }
        closeQuietly(link.client);
        if (link.upstream != null) {
            closeQuietly(link.upstream);
        }
        notifyAll(); // a pump paused on this link stops waiting
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is best effort: the socket may already be gone
        }
    }
}
