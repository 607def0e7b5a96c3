// Basics.java - the Showcase's struct Basics as Midway maps it: every basic IDL type,
// unsigned ones in the signed Java type of the same width.
import java.io.Serializable;

public class Basics implements Serializable {
    private static final long serialVersionUID = 1L;

    private boolean flag;
    private byte small;
    private char letter;
    private short s;
    private short us;
    private int l;
    private int ul;
    private long ll;
    private long ull;
    private float f;
    private double d;
    private String text;
}
