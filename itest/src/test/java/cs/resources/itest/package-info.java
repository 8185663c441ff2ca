/**
 * Integration tests, run inside Apache Felix with SCR, Configuration Admin and Gogo. The test
 * bundle carries {@code tb/consumer.jar}, a bundle the tests install themselves.
 */
package cs.resources.itest;
