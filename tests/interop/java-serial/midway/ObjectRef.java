// ObjectRef.java - a remote object reference (Figure 4.13) as Midway writes one: the
// creating process's address (4 or 16 bytes) and port, its creation time, the object's
// number, and its interface.
package midway;

import java.io.Serializable;

public class ObjectRef implements Serializable {
    private static final long serialVersionUID = 1L;

    private long created;
    private int objectNumber;
    private int port;
    private int scopeId;
    private byte[] address;
    private String interfaceName;
}
