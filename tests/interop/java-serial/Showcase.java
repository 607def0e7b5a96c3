// Showcase.java - Midway's example type that uses every kind of the type model, as the
// codec maps it (docs/java-serialization.md): sequences and arrays are Java arrays, the
// optional owner a nullable reference, the any an Object, the object reference a
// midway.ObjectRef.
import java.io.Serializable;

public class Showcase implements Serializable {
    private static final long serialVersionUID = 1L;

    private Basics basics;
    private int[] numbers;
    private String[] tags;
    private byte[] blob;
    private short[][] matrix;
    private Color color;
    private Reading reading;
    private double temperature;
    private Person owner;
    private Person[] people;
    private Object extra;
    private midway.ObjectRef ref;
}
