// Reading.java - the IDL union Reading switch (long) as Midway maps a union: the
// discriminator, and the member boxed in an Object (null for a case without one).
import java.io.Serializable;

public class Reading implements Serializable {
    private static final long serialVersionUID = 1L;

    private int discriminator;
    private Object value;
}
