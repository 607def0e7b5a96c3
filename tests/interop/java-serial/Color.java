// Color.java - an IDL enum as a Java enum (TC_ENUM in the stream).
public enum Color { RED, GREEN, BLUE }
