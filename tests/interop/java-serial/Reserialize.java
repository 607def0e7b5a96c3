// Reserialize.java - reads one object with ObjectInputStream and writes it again with
// ObjectOutputStream: java Reserialize IN OUT. When Midway's stream is what the JDK
// would write for the object graph it describes, OUT equals IN byte for byte.
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

public class Reserialize {
    public static void main(String[] args) throws Exception {
        Object o;
        try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(args[0]))) {
            o = in.readObject();
        }
        try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(args[1]))) {
            out.writeObject(o);
        }
    }
}
