/* idlc's stand-in for the C library header that some SDK headers include for C code that the
 * IDL compiler never reads. Searched after every -I folder. */
