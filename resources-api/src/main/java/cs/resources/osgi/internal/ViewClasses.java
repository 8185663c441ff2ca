package cs.resources.osgi.internal;

import cs.resources.MultiOpen;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Makes the view classes: for a list of service interfaces, a final subclass of {@link View} that
 * implements them and forwards every method of theirs that {@code View} does not implement to the
 * shared object, one {@code invokeinterface} each (as a hand-written delegating class would;
 * the JIT inlines it like one). Made with ASM, once per list of interfaces, and kept as long as
 * the first interface's class is.
 *
 * <h2>Class loaders</h2>
 * A view class is defined in a class loader of its own ({@link Loader}), which sees the classes
 * the view class names: {@link View} and {@link View.Owner} (this bundle's), and everything else
 * through the class loaders of the interfaces, in their order (the provider's view of its service
 * types and of the types in their methods). Its parent is the bootstrap loader. Apache Aries
 * Proxy defines its proxies in the same way: a loader per bundle, asking the interfaces' loaders.
 *
 * <p>Thread-safe: the classes are cached in concurrent maps; two threads may make the same class
 * at once, and one of them is kept.
 */
final class ViewClasses {

    private static final String VIEW = Type.getInternalName(View.class);
    private static final String CONSTRUCTOR = Type.getMethodDescriptor(Type.VOID_TYPE, Type.getType(View.Owner.class),
            Type.LONG_TYPE, Type.getType(String.class), Type.getType(MultiOpen.class));
    private static final MethodType CONSTRUCTOR_TYPE = MethodType.methodType(void.class, View.Owner.class, long.class,
            String.class, MultiOpen.class);

    /** The view classes' constructors, by their interfaces, kept with the first interface's class. */
    private static final ClassValue<Map<List<Class<?>>, MethodHandle>> CACHE = new ClassValue<>() {
        @Override
        protected Map<List<Class<?>>, MethodHandle> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private ViewClasses() {
    }

    /**
     * @param interfaces the service interfaces, in order; each public, at least one a MultiOpen
     * @return the constructor of the view class for them, typed {@code (View.Owner, long, String,
     *     MultiOpen)View}
     * @throws IllegalArgumentException if a view cannot implement them (a type that is not a public
     *     interface, or one that redeclares a MultiOpen method with a return type a view cannot give)
     */
    static MethodHandle constructor(Class<?>[] interfaces) {
        List<Class<?>> key = List.of(interfaces);
        Map<List<Class<?>>, MethodHandle> cache = CACHE.get(interfaces[0]);
        MethodHandle c = cache.get(key);
        if (c == null) {
            c = make(interfaces);
            MethodHandle raced = cache.putIfAbsent(key, c);
            if (raced != null) {
                c = raced;
            }
        }
        return c;
    }

    private static MethodHandle make(Class<?>[] interfaces) {
        for (Class<?> i : interfaces) {
            if (!i.isInterface() || !Modifier.isPublic(i.getModifiers())) {
                throw new IllegalArgumentException(i.getName() + " is not a public interface: a view cannot implement it");
            }
        }
        Plan plan = plan(interfaces);
        String name = View.class.getPackageName() + ".ViewOf" + interfaces[0].getSimpleName();
        byte[] bytes = generate(name.replace('.', '/'), interfaces, plan);
        Loader loader = new Loader(interfaces);
        Class<?> type = loader.define(name, bytes);
        try {
            MethodHandle c = MethodHandles.publicLookup().findConstructor(type, CONSTRUCTOR_TYPE);
            return c.asType(CONSTRUCTOR_TYPE.changeReturnType(View.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("the view class for " + List.of(interfaces) + " has no usable constructor", e);
        }
    }

    /** What a view class must declare: the forwarded methods, and bridges to View's own. */
    private record Plan(Map<String, Method> forwarded, Map<String, Method> bridges, List<Class<?>> targets) {
    }

    private static Plan plan(Class<?>[] interfaces) {
        Set<String> own = new LinkedHashSet<>();
        Map<String, Method> ownBySignature = new LinkedHashMap<>();
        for (Method m : View.class.getMethods()) {
            own.add(m.getName() + Type.getMethodDescriptor(m));
            ownBySignature.putIfAbsent(parameters(m), m);
        }
        Map<String, Method> forwarded = new LinkedHashMap<>();
        Map<String, Method> bridges = new LinkedHashMap<>();
        Set<Class<?>> targets = new LinkedHashSet<>();
        for (Class<?> i : interfaces) {
            for (Method m : i.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                String key = m.getName() + Type.getMethodDescriptor(m);
                if (own.contains(key) || forwarded.containsKey(key) || bridges.containsKey(key)) {
                    continue; // View implements it, or it is planned already
                }
                Method mine = ownBySignature.get(parameters(m));
                if (mine != null) {
                    // A MultiOpen (or Object) method redeclared with a narrower return type: View's
                    // answer must fit it. open() returns the view, which is every interface.
                    boolean fits = m.getName().equals("open") && m.getParameterCount() == 0
                            && fitsEveryView(m.getReturnType(), interfaces);
                    if (!fits) {
                        throw new IllegalArgumentException(m.getDeclaringClass().getName() + "." + m.getName()
                                + " returns " + m.getReturnType().getName() + ": a view cannot give that where "
                                + View.class.getSimpleName() + " gives " + mine.getReturnType().getName());
                    }
                    bridges.put(key, m);
                    continue;
                }
                Class<?> declaring = m.getDeclaringClass();
                if (!Modifier.isPublic(declaring.getModifiers())) {
                    throw new IllegalArgumentException(declaring.getName() + " is not public: a view cannot call "
                            + m.getName() + " through it");
                }
                forwarded.put(key, m);
                targets.add(declaring);
            }
        }
        return new Plan(forwarded, bridges, new ArrayList<>(targets));
    }

    /** @return the method's name and parameter types, without its return type */
    private static String parameters(Method m) {
        String d = Type.getMethodDescriptor(m);
        return m.getName() + d.substring(0, d.indexOf(')') + 1);
    }

    private static boolean fitsEveryView(Class<?> returned, Class<?>[] interfaces) {
        for (Class<?> i : interfaces) {
            if (returned.isAssignableFrom(i)) {
                return true;
            }
        }
        return returned.isAssignableFrom(View.class);
    }

    private static byte[] generate(String name, Class<?>[] interfaces, Plan plan) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        String[] names = new String[interfaces.length];
        for (int i = 0; i < interfaces.length; i++) {
            names[i] = Type.getInternalName(interfaces[i]);
        }
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, name,
                null, VIEW, names);
        List<Class<?>> targets = plan.targets();
        for (int t = 0; t < targets.size(); t++) {
            cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "to" + t, Type.getDescriptor(targets.get(t)), null, null)
                    .visitEnd();
        }

        // (View.Owner owner, long bundleId, String bundleName, MultiOpen shared): super(...), then
        // the shared object once per interface the methods are called through.
        MethodVisitor c = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", CONSTRUCTOR, null, null);
        c.visitCode();
        c.visitVarInsn(Opcodes.ALOAD, 0);
        c.visitVarInsn(Opcodes.ALOAD, 1);
        c.visitVarInsn(Opcodes.LLOAD, 2);
        c.visitVarInsn(Opcodes.ALOAD, 4);
        c.visitVarInsn(Opcodes.ALOAD, 5);
        c.visitMethodInsn(Opcodes.INVOKESPECIAL, VIEW, "<init>", CONSTRUCTOR, false);
        for (int t = 0; t < targets.size(); t++) {
            c.visitVarInsn(Opcodes.ALOAD, 0);
            c.visitVarInsn(Opcodes.ALOAD, 5);
            c.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(targets.get(t)));
            c.visitFieldInsn(Opcodes.PUTFIELD, name, "to" + t, Type.getDescriptor(targets.get(t)));
        }
        c.visitInsn(Opcodes.RETURN);
        c.visitMaxs(0, 0);
        c.visitEnd();

        for (Method m : plan.forwarded().values()) {
            Class<?> target = m.getDeclaringClass();
            int t = targets.indexOf(target);
            MethodVisitor mv = begin(cw, m);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, name, "to" + t, Type.getDescriptor(target));
            loadArguments(mv, m);
            mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, Type.getInternalName(target), m.getName(),
                    Type.getMethodDescriptor(m), true);
            end(mv, m);
        }
        for (Method m : plan.bridges().values()) {
            // open() with a narrower return type: View's open(), which returns this view.
            MethodVisitor mv = begin(cw, m);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VIEW, "open", Type.getMethodDescriptor(Type.getType(MultiOpen.class)),
                    false);
            mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(m.getReturnType()));
            end(mv, m);
        }
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static MethodVisitor begin(ClassWriter cw, Method m) {
        Class<?>[] thrown = m.getExceptionTypes();
        String[] exceptions = new String[thrown.length];
        for (int i = 0; i < thrown.length; i++) {
            exceptions[i] = Type.getInternalName(thrown[i]);
        }
        int access = Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | (m.isVarArgs() ? Opcodes.ACC_VARARGS : 0);
        MethodVisitor mv = cw.visitMethod(access, m.getName(), Type.getMethodDescriptor(m), null, exceptions);
        mv.visitCode();
        return mv;
    }

    private static void loadArguments(MethodVisitor mv, Method m) {
        int slot = 1;
        for (Type p : Type.getArgumentTypes(m)) {
            mv.visitVarInsn(p.getOpcode(Opcodes.ILOAD), slot);
            slot += p.getSize();
        }
    }

    private static void end(MethodVisitor mv, Method m) {
        mv.visitInsn(Type.getReturnType(m).getOpcode(Opcodes.IRETURN));
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /**
     * The class loader of one view class: {@link View} and {@link View.Owner} are this bundle's;
     * every other name is asked of the interfaces' loaders, in order, after the bootstrap loader.
     */
    static final class Loader extends ClassLoader {
        private final List<ClassLoader> loaders = new ArrayList<>();

        Loader(Class<?>[] interfaces) {
            super(null);
            for (Class<?> i : interfaces) {
                ClassLoader l = i.getClassLoader();
                if (l != null && !loaders.contains(l)) {
                    loaders.add(l);
                }
            }
            ClassLoader own = View.class.getClassLoader();
            if (own != null && !loaders.contains(own)) {
                loaders.add(own);
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.equals(View.class.getName())) {
                return View.class;
            }
            if (name.equals(View.Owner.class.getName())) {
                return View.Owner.class;
            }
            for (ClassLoader l : loaders) {
                try {
                    return Class.forName(name, false, l);
                } catch (ClassNotFoundException e) {
                    // the next one may see it
                }
            }
            throw new ClassNotFoundException(name);
        }

        Class<?> define(String name, byte[] bytes) {
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
