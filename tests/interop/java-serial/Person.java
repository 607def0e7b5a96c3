// Person.java - the class of Figure 4.9 (slide 50): Java's equivalent of the IDL struct
// Person { string name; string place; unsigned long year; }. Midway writes a Person
// byte for byte as ObjectOutputStream does, given the same serialVersionUID.
import java.io.Serializable;

public class Person implements Serializable {
    private static final long serialVersionUID = 1L;

    private String name;
    private String place;
    private int year;

    public Person(String aName, String aPlace, int aYear) {
        name = aName;
        place = aPlace;
        year = aYear;
    }

    @Override
    public String toString() {
        return "Person{name=" + name + ", place=" + place + ", year=" + year + "}";
    }
}
